"""The `followthrough` command line: `--config` placement, exit codes, migrate, sync, serve."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from connectors.errors import AuthError, RateLimited
from connectors.registry import load_connectors
from service import cli, demo
from service.config import CONFIG_ENV, load_settings, parse_settings
from service.db import make_engine, make_session_factory
from service.migrate import head_revision, is_at_head
from service.store.models import Item, SyncRun
from service.sync.runner import SyncRunner
from tests.service.sync.mirror import expire_leases
from tests.support import scripted
from tests.support.ports import free_port

SOURCES = ("alpha", "beta")


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """The CLI configures the root logger; put it back after each test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(autouse=True)
def no_config_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CONFIG_ENV, raising=False)


@pytest.fixture
def trackers() -> Iterator[dict[str, scripted.ScriptedTracker]]:
    """Scripted trackers for sources `alpha` (4 items) and `beta` (2 items)."""
    made = {name: scripted.ScriptedTracker() for name in SOURCES}
    for name, count in zip(SOURCES, (4, 2), strict=True):
        for _ in range(count):
            made[name].create()
            made[name].tick()
    scripted.TRACKERS.update(made)
    yield made
    for name in SOURCES:
        scripted.TRACKERS.pop(name, None)


def write_config(directory: Path, database_url: str, extra: str = "") -> Path:
    path = directory / "ft.yaml"
    path.write_text(
        f"database_url: {database_url}\n"
        "sources:\n"
        "  - {name: alpha, kind: scripted}\n"
        "  - {name: beta, kind: scripted-desc}\n" + extra,
        encoding="utf-8",
    )
    return path


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(cli.app, list(args), env=env)


def items_per_source(database_url: str) -> dict[str, int]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(Item.source, func.count()).group_by(Item.source))
            return dict(rows.all())
    finally:
        engine.dispose()


def summary_row(stdout: str, source: str) -> dict[str, str]:
    """The summary table's row for `source`, by column heading."""
    headings = ["source", "status", "seen", "changed", "item errors", "removed", "requests"]
    headings += ["duration", "error"]
    for line in stdout.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if cells and cells[0] == source:
            return dict(zip(headings, cells, strict=True))
    raise AssertionError(f"no summary row for {source}:\n{stdout}")


# --- --config and exit code 2 -------------------------------------------------------


@pytest.mark.parametrize("placement", ["before", "after", "before-equals", "after-equals"])
def test_config_is_accepted_before_or_after_the_subcommand(tmp_path, placement):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    config = str(write_config(tmp_path, url))
    args = {
        "before": ["--config", config, "migrate"],
        "after": ["migrate", "--config", config],
        "before-equals": [f"--config={config}", "migrate"],
        "after-equals": ["migrate", f"--config={config}"],
    }[placement]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert head_revision(make_engine(url)) in result.stdout


def test_config_comes_from_the_environment_variable_without_the_option(tmp_path):
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'env.db'}")
    result = invoke("migrate", env={CONFIG_ENV: str(config)})
    assert result.exit_code == 0, result.output


def test_a_missing_config_file_exits_2_with_a_hint(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("migrate")
    assert result.exit_code == 2
    assert "cannot read config file followthrough.yaml" in result.stderr
    assert "--config PATH" in result.stderr


def test_a_bad_config_exits_2_naming_the_key_without_a_traceback(tmp_path):
    config = write_config(
        tmp_path, "sqlite://", extra="  - {name: gamma, kind: scripted, repo: x}\n"
    )
    result = invoke("sync", "--config", str(config))
    assert result.exit_code == 2
    assert "sources[2] (gamma): unknown key 'repo'" in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_an_unknown_kind_exits_2_naming_the_installed_kinds(tmp_path):
    config = tmp_path / "ft.yaml"
    config.write_text("sources:\n  - {name: yt, kind: youtrack}\n", encoding="utf-8")
    result = invoke("--config", str(config), "migrate")
    assert result.exit_code == 2
    assert "installed kinds: github, jira, linear, scripted, scripted-desc" in result.stderr


def test_an_unknown_option_is_a_usage_error_exiting_2():
    assert invoke("sync", "--no-such-option").exit_code == 2


def test_an_unknown_command_is_a_usage_error_exiting_2():
    assert invoke("frobnicate").exit_code == 2


# --- migrate ------------------------------------------------------------------------


def test_migrate_upgrades_a_fresh_sqlite_file_and_prints_the_revision(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = invoke("--config", str(write_config(tmp_path, url)), "migrate")
    assert result.exit_code == 0, result.output
    engine = make_engine(url)
    assert is_at_head(engine)
    assert result.stdout.strip() == f"{url} is at revision {head_revision(engine)}"
    engine.dispose()


def test_migrate_never_prints_the_database_password(tmp_path):
    config = tmp_path / "ft.yaml"
    config.write_text("database_url: postgresql://ft:pw-5e3a@127.0.0.1:1/ft\n", encoding="utf-8")
    result = invoke("--config", str(config), "migrate")
    assert result.exit_code == 1  # nothing listens on port 1
    assert "cannot use the database postgresql://ft:***@127.0.0.1:1/ft" in result.stderr
    assert "pw-5e3a" not in result.output


# --- sync ---------------------------------------------------------------------------


def test_sync_mirrors_every_source_and_prints_a_summary(database_url, tmp_path, trackers):
    config = write_config(tmp_path, database_url)
    result = invoke("sync", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert items_per_source(database_url) == {"alpha": 4, "beta": 2}
    alpha = summary_row(result.stdout, "alpha")
    assert {k: alpha[k] for k in ("status", "seen", "changed", "item errors", "removed")} == {
        "status": "success",
        "seen": "4",
        "changed": "4",
        "item errors": "0",
        "removed": "0",
    }
    assert int(alpha["requests"]) > 0
    assert alpha["duration"].endswith("s")
    assert alpha["error"] == ""
    assert summary_row(result.stdout, "beta")["status"] == "success"


def test_a_failing_source_exits_1_while_the_other_still_syncs(database_url, tmp_path, trackers):
    trackers["alpha"].fail_with = AuthError("401 from tracker: bad credentials")
    config = write_config(tmp_path, database_url)
    result = invoke("--config", str(config), "sync")
    assert result.exit_code == 1
    assert items_per_source(database_url) == {"beta": 2}
    alpha = summary_row(result.stdout, "alpha")
    assert alpha["status"] == "failed"
    assert alpha["error"] == "401 from tracker: bad credentials"
    assert summary_row(result.stdout, "beta")["status"] == "success"
    assert "failed: alpha" in result.stderr


def test_a_rate_limited_source_exits_1(database_url, tmp_path, trackers):
    trackers["beta"].fail_with = RateLimited("slow down", retry_after=7)
    result = invoke("sync", "--config", str(write_config(tmp_path, database_url)))
    assert result.exit_code == 1
    assert summary_row(result.stdout, "beta")["status"] == "rate_limited"
    assert summary_row(result.stdout, "alpha")["status"] == "success"


def test_a_partial_run_with_item_errors_exits_0(database_url, tmp_path, trackers):
    bad = next(iter(trackers["alpha"].items.values()))
    bad.malformed = True
    result = invoke("sync", "--config", str(write_config(tmp_path, database_url)))
    assert result.exit_code == 0, result.output
    alpha = summary_row(result.stdout, "alpha")
    assert (alpha["status"], alpha["item errors"]) == ("partial", "1")


def test_sync_source_syncs_only_that_source(database_url, tmp_path, trackers):
    config = write_config(tmp_path, database_url)
    result = invoke("sync", "--source", "beta", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert items_per_source(database_url) == {"beta": 2}
    assert "alpha" not in result.stdout


def test_an_unknown_source_exits_2_naming_the_configured_ones(tmp_path, trackers):
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'x.db'}")
    result = invoke("sync", "--source", "gamma", "--config", str(config))
    assert result.exit_code == 2
    assert "no source named 'gamma' (configured sources: alpha, beta)" in result.stderr


def test_sync_full_records_full_runs(database_url, tmp_path, trackers):
    result = invoke("sync", "--full", "--config", str(write_config(tmp_path, database_url)))
    assert result.exit_code == 0, result.output
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        assert {run.full for run in session.scalars(select(SyncRun))} == {True}
    engine.dispose()


def test_sync_closes_a_run_a_dead_process_left_running_once_its_lease_expired(
    tmp_path, trackers, clock
):
    url = f"sqlite:///{tmp_path / 'orphans.db'}"
    config = write_config(tmp_path, url)
    assert invoke("migrate", "--config", str(config)).exit_code == 0
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    alpha = load_settings(config, load_connectors(), env={}).sources[0]
    orphan = SyncRunner(sessions, clock, load_connectors()).open_run(alpha)
    assert invoke("sync", "--config", str(config)).exit_code == 1  # alpha's lease is held
    expire_leases(sessions)
    result = invoke("sync", "--config", str(config))
    assert result.exit_code == 0, result.output
    with sessions() as session:
        run = session.get(SyncRun, orphan)
        assert run is not None
        assert (run.status, run.error_kind) == ("failed", "interrupted")
    engine.dispose()


def test_sync_with_no_sources_says_so_and_exits_0(tmp_path):
    config = tmp_path / "ft.yaml"
    config.write_text(f"database_url: sqlite:///{tmp_path / 'e.db'}\n", encoding="utf-8")
    result = invoke("sync", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert "no sources are configured" in result.stdout


def test_the_summary_never_shows_a_configured_token(database_url, tmp_path, trackers):
    canary = "canary-77b1-token"
    trackers["alpha"].fail_with = AuthError(f"rejected token {canary}")
    config = tmp_path / "ft.yaml"
    config.write_text(
        f"database_url: {database_url}\n"
        f"sources:\n  - {{name: alpha, kind: scripted, token: {canary}}}\n",
        encoding="utf-8",
    )
    result = invoke("sync", "--config", str(config))
    assert result.exit_code == 1
    assert summary_row(result.stdout, "alpha")["error"] == "rejected token [redacted]"
    assert canary not in result.output


# --- serve and demo -----------------------------------------------------------------


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Stand-ins for the app factory and uvicorn: records what would be served, serves nothing."""
    calls: dict[str, Any] = {}

    def create_app(settings: Any, *, engine: Any = None, scheduler: bool = False, **_: Any) -> str:
        calls["settings"], calls["engine_at_head"] = settings, is_at_head(engine)
        calls["scheduler"] = scheduler
        return "the-app"

    def run_server(application: Any, host: str, port: int) -> None:
        calls["served"] = (application, host, port)

    monkeypatch.setitem(sys.modules, "service.app", types.SimpleNamespace(create_app=create_app))
    monkeypatch.setattr(cli, "run_server", run_server)
    return calls


def test_serve_migrates_then_serves_the_app_on_loopback_by_default(tmp_path, served):
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 's.db'}")
    result = invoke("serve", "--config", str(config), "--no-scheduler")
    assert result.exit_code == 0, result.output
    assert served["engine_at_head"] is True
    assert served["served"] == ("the-app", "127.0.0.1", 8000)
    assert served["scheduler"] is False
    assert "WARNING" not in result.output


def test_serve_runs_the_scheduler_in_process_by_default(tmp_path, served):
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 's.db'}")
    result = invoke("serve", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert served["scheduler"] is True


def test_serve_on_all_interfaces_without_read_tokens_warns(tmp_path, served):
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 's.db'}")
    result = invoke("serve", "--host", "0.0.0.0", "--port", "9000", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert served["served"] == ("the-app", "0.0.0.0", 9000)
    assert "WARNING service.cli: binding 0.0.0.0 with no api.read_tokens configured" in (
        result.stderr
    )


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_no_warning_on_loopback(host):
    assert cli.exposure_warning(host, parse_settings({}, {}, env={})) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3", "ft.example.com", ""])
def test_warning_when_reachable_from_elsewhere_with_open_reads(host):
    warning = cli.exposure_warning(host, parse_settings({}, {}, env={}))
    assert warning is not None
    assert "api.read_tokens" in warning


def test_no_warning_when_read_tokens_are_configured():
    settings = parse_settings({"api": {"read_tokens": ["t"]}}, {}, env={})
    assert cli.exposure_warning("0.0.0.0", settings) is None


def test_demo_syncs_seeded_sample_trackers_then_serves_them(tmp_path, monkeypatch, served):
    monkeypatch.chdir(tmp_path)

    port = free_port()

    result = invoke("demo", "--port", str(port), "--items", "40", "--seed", "3")

    assert result.exit_code == 0, result.output
    assert [s.kind for s in served["settings"].sources] == ["github", "jira", "linear"]
    assert served["served"] == ("the-app", "127.0.0.1", port)
    for name in ("github", "jira", "linear"):
        assert summary_row(result.stdout, name)["status"] == "success"
    for path in ("/", "/api/v1/items", "/api/v1/metrics/summary", "/openapi.json", "/metrics"):
        assert f"http://127.0.0.1:{port}{path}" in result.stdout
    database = f"sqlite:///{tmp_path / '.followthrough-demo' / 'followthrough.db'}"
    counts = demo.split_items(40)  # Linear's sample trashes one of its items
    assert items_per_source(database) == {**counts, "linear": counts["linear"] - 1}


def test_demo_binds_the_host_asked_for_and_warns_when_it_is_not_loopback(
    tmp_path, monkeypatch, served
):
    monkeypatch.chdir(tmp_path)

    port = free_port()

    result = invoke("demo", "--host", "0.0.0.0", "--port", str(port), "--items", "6")

    assert result.exit_code == 0, result.output
    assert served["served"] == ("the-app", "0.0.0.0", port)
    assert "no api.read_tokens configured" in result.stderr
    assert f"http://127.0.0.1:{port}/" in result.stdout


def test_demo_on_a_port_in_use_exits_2_before_syncing(tmp_path, monkeypatch, served):
    monkeypatch.chdir(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]

        result = invoke("demo", "--port", str(port), "--items", "6")

    assert result.exit_code == 2
    assert f"cannot serve the demo on 127.0.0.1:{port}: Address already in use" in result.stderr
    assert "served" not in served
    assert not (tmp_path / ".followthrough-demo").exists()


def test_demo_starts_from_a_fresh_mirror_each_time(tmp_path, monkeypatch, served):
    monkeypatch.chdir(tmp_path)
    invoke("demo", "--port", str(free_port()), "--items", "30")

    result = invoke("demo", "--port", str(free_port()), "--items", "6")

    assert result.exit_code == 0, result.output
    database = f"sqlite:///{tmp_path / '.followthrough-demo' / 'followthrough.db'}"
    assert items_per_source(database) == {"github": 2, "jira": 2, "linear": 2}


# --- the console script -------------------------------------------------------------


def test_the_console_script_runs_and_exits_2_on_a_config_error(tmp_path):
    script = Path(sys.executable).parent / "followthrough"
    config = tmp_path / "ft.yaml"
    config.write_text("bogus: 1\n", encoding="utf-8")
    done = subprocess.run(
        [str(script), "migrate", "--config", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "top level: unknown key 'bogus'" in done.stderr
    assert "Traceback" not in done.stderr


def test_items_lists_synced_items_as_a_table(tmp_path: Path, database_url: str, trackers) -> None:
    config = write_config(tmp_path, database_url)
    assert invoke("sync", "--config", str(config)).exit_code == 0

    result = invoke("items", "--config", str(config), "--source", "alpha", "--sort", "age")

    assert result.exit_code == 0, result.output
    assert "4 items as of" in result.output
    assert "ACT-1" in result.output
    assert "alpha" in result.output
    assert "beta" not in result.output


def test_items_rejects_a_bad_filter_naming_the_option(tmp_path: Path, database_url: str) -> None:
    config = write_config(tmp_path, database_url)

    result = invoke("items", "--config", str(config), "--overdue", "yes")

    assert result.exit_code == 2
    assert "--overdue" in result.output
    assert "'yes' is not one of: true, false" in result.output


def test_items_rejects_an_unknown_source(tmp_path: Path, database_url: str) -> None:
    config = write_config(tmp_path, database_url)

    result = invoke("items", "--config", str(config), "--source", "gamma")

    assert result.exit_code == 2
    assert "unknown source 'gamma'" in result.output
