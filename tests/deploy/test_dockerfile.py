"""The Dockerfile (no engine here to build it): multi-stage, non-root, health-checked, and
every file it copies exists."""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from tests.deploy.paths import DEPLOY, REPO


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last_from:]


def test_the_image_is_built_in_two_stages_on_python_slim():
    froms = [args for word, args in instructions() if word == "FROM"]
    assert len(froms) >= 2
    assert re.match(r"python:\$\{PYTHON_VERSION\}-slim\b", froms[-1])
    assert any(word == "COPY" and args.startswith("--from=builder") for word, args in final_stage())


def test_the_runtime_stage_runs_as_a_non_root_user():
    users = [args for word, args in final_stage() if word == "USER"]
    assert users, "the final stage sets no USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}


def test_the_healthcheck_asks_healthz_with_python():
    [check] = [args for word, args in final_stage() if word == "HEALTHCHECK"]
    assert '"python", "-c"' in check
    assert "/healthz" in check


def test_entrypoint_is_the_console_script_serving_on_every_interface():
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    steps = dict(final_stage())
    [entrypoint] = json.loads(steps["ENTRYPOINT"])
    assert entrypoint in scripts
    assert json.loads(steps["CMD"]) == ["serve", "--host", "0.0.0.0"]


def test_migrations_are_copied_to_where_the_installed_service_looks_for_them():
    text = (DEPLOY / "Dockerfile").read_text()
    assert "COPY migrations" in text
    assert "from service.migrate import MIGRATIONS_DIR" in text


def copied_sources() -> list[str]:
    """The build-context paths every COPY (not COPY --from) takes."""
    return [
        path
        for word, args in instructions()
        if word == "COPY" and not args.startswith("--")
        for path in args.split()[:-1]
    ]


@pytest.mark.parametrize("source", copied_sources())
def test_every_copied_path_exists_in_the_repository(source):
    assert (REPO / source).exists(), f"COPY {source}: no such path in the repository"


def test_the_build_context_filter_lets_every_copied_path_through():
    kept = {
        line.strip().lstrip("!").rstrip("/")
        for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    assert set(copied_sources()) <= kept
