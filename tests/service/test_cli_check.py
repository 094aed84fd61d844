"""`followthrough check`: the config validated, then every source reached, signed in to and
read, against the three fake trackers on loopback; exit 1 when any source fails."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.testing import FakeGitHub, FakeJira, FakeLinear, serve
from connectors.testing.jira import EMAIL
from connectors.testing.linear import API_KEY
from tests.service.test_cli import invoke, no_config_from_environment, restore_logging
from tests.support.ports import free_port

__all__ = ["no_config_from_environment", "restore_logging"]  # shared CLI fixtures

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
GITHUB_TOKEN = "ghp_c4nary0000000000000000"


@dataclass
class Trackers:
    github: FakeGitHub
    jira: FakeJira
    linear: FakeLinear
    urls: dict[str, str]


@pytest.fixture
def trackers() -> Iterator[Trackers]:
    github = FakeGitHub(now=T0)
    github.add_repo("acme/api")
    github.add_repo("acme/web")
    jira = FakeJira("cloud", now=T0)
    jira.create_issue("OPS", "Add alert", labels=["incident-action"])
    linear = FakeLinear(now=T0)
    linear.add_team("ENG")
    with serve(github.app) as g, serve(jira.app) as j, serve(linear.app) as lin:
        yield Trackers(github, jira, linear, {"github": g, "jira": j, "linear": f"{lin}/graphql"})


def write_config(directory: Path, trackers: Trackers, **overrides: dict[str, object]) -> Path:
    sources = {
        "github": {
            "name": "github",
            "kind": "github",
            "url": trackers.urls["github"],
            "token": GITHUB_TOKEN,
            "repos": ["acme/api", "acme/web"],
        },
        "jira": {
            "name": "jira",
            "kind": "jira",
            "url": trackers.urls["jira"],
            "email": EMAIL,
            "token": trackers.jira.token,
            "jql": "project = OPS",
        },
        "linear": {
            "name": "linear",
            "kind": "linear",
            "url": trackers.urls["linear"],
            "token": API_KEY,
            "teams": ["ENG"],
        },
    }
    for name, keys in overrides.items():
        sources[name].update(keys)
    path = directory / "ft.yaml"
    data = {
        "database_url": f"sqlite:///{directory / 'unused.db'}",
        "sources": list(sources.values()),
    }
    path.write_text(json.dumps(data), encoding="utf-8")  # JSON is YAML
    return path


def rows(stdout: str) -> list[list[str]]:
    """The check table's rows as cells (a source's name only on its first row)."""
    found = []
    for line in stdout.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if len(cells) == 4:
            found.append(cells)
    return found


def result_of(stdout: str, source: str, check: str) -> tuple[str, str]:
    current = None
    for cells in rows(stdout):
        if cells[0]:
            current = cells[0].split(" ")[0]
        if current == source and cells[1] == check:
            return cells[2], cells[3]
    raise AssertionError(f"no {check} row for {source}:\n{stdout}")


def test_good_credentials_pass_every_source_naming_each_identity(tmp_path, trackers):
    result = invoke("check", "--config", str(write_config(tmp_path, trackers)))

    assert result.exit_code == 0, result.output
    assert "check: 3 of 3 sources ok" in result.stdout
    assert result_of(result.stdout, "github", "auth") == ("ok", "signed in as followthrough-bot")
    assert result_of(result.stdout, "jira", "auth") == (
        "ok",
        "signed in as Followthrough Bot (5b10:followthrough.bot)",
    )
    assert result_of(result.stdout, "linear", "auth") == ("ok", "signed in as Followthrough Bot")
    assert result_of(result.stdout, "github", "repo acme/web")[0] == "ok"
    assert result_of(result.stdout, "jira", "project OPS") == ("ok", "browsable: Ops project")
    assert result_of(result.stdout, "linear", "team ENG") == ("ok", "visible")


def test_a_bad_token_fails_that_source_with_the_401_and_exits_1(tmp_path, trackers):
    trackers.github.valid_tokens = {"a-different-token"}

    result = invoke("check", "--config", str(write_config(tmp_path, trackers)))

    assert result.exit_code == 1
    status, detail = result_of(result.stdout, "github", "auth")
    assert status == "FAILED"
    assert "credentials rejected (HTTP 401); check the token" in detail
    assert result_of(result.stdout, "jira", "auth")[0] == "ok"
    assert "failed: github" in result.stderr
    assert GITHUB_TOKEN not in result.output


def test_an_unreachable_host_is_named_with_the_refused_connection(tmp_path, trackers):
    port = free_port()
    config = write_config(tmp_path, trackers, linear={"url": f"http://127.0.0.1:{port}/graphql"})

    result = invoke("check", "--config", str(config))

    assert result.exit_code == 1
    status, detail = result_of(result.stdout, "linear", "reach")
    assert status == "FAILED"
    assert detail.startswith(f"connection refused by 127.0.0.1:{port}")
    assert "check: 2 of 3 sources ok" in result.stdout


def test_missing_permission_names_the_repo_project_or_team(tmp_path, trackers):
    trackers.github.unseen = {"acme/web"}
    trackers.jira.unseen = {"OPS"}
    trackers.linear.unseen = {"ENG"}

    result = invoke("check", "--config", str(write_config(tmp_path, trackers)))

    assert result.exit_code == 1
    assert result_of(result.stdout, "github", "repo acme/api")[0] == "ok"
    status, detail = result_of(result.stdout, "github", "repo acme/web")
    assert (status, "not found (HTTP 404), or the token cannot see it" in detail) == (
        "FAILED",
        True,
    )
    status, detail = result_of(result.stdout, "jira", "project OPS")
    assert status == "FAILED"
    assert "no project OPS, or the API user lacks Browse Projects on it" in detail
    status, detail = result_of(result.stdout, "linear", "team ENG")
    assert status == "FAILED"
    assert "no team with key 'ENG', or the credential cannot see it" in detail
    assert "failed: github, jira, linear" in result.stderr


def test_source_checks_only_that_source(tmp_path, trackers):
    trackers.github.valid_tokens = {"a-different-token"}

    result = invoke("check", "--source", "jira", "--config", str(write_config(tmp_path, trackers)))

    assert result.exit_code == 0, result.output
    assert "check: 1 of 1 sources ok" in result.stdout
    assert trackers.github.request_count() == 0


def test_an_invalid_config_exits_2_naming_the_key_before_reaching_anything(tmp_path, trackers):
    config = write_config(tmp_path, trackers, jira={"projects": ["OPS"]})

    result = invoke("check", "--config", str(config))

    assert result.exit_code == 2
    assert "sources[1] (jira): unknown key 'projects'" in result.stderr
    assert result.stdout == ""
    assert trackers.github.request_count() == 0


def test_no_sources_is_a_valid_config_with_nothing_to_check(tmp_path):
    config = tmp_path / "ft.yaml"
    config.write_text("label: incident-action\n", encoding="utf-8")

    result = invoke("check", "--config", str(config))

    assert result.exit_code == 0, result.output
    assert "config is valid; no sources are configured" in result.stdout
