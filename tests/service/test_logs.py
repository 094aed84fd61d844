"""Structured logs: with `log_format: json` every line is one JSON object; a sync run and an
HTTP request each write one line with their figures; no secret reaches any line."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from connectors.errors import ConnectorError
from service import logs
from service.app import create_app
from service.config import ApiSettings, Settings, SourceSettings
from service.sync.runner import SyncRunner
from tests.support.scripted import CONNECTORS, KIND_ASC, ScriptedConfig

CANARY = "canary-5d1f0e7a-never-log"
ADMIN = "admin-canary-93b1"

SetUp = Callable[..., Settings]


def settings(*, log_format: str = "json", read_tokens: tuple[str, ...] = ()) -> Settings:
    source = SourceSettings(
        name="demo",
        kind=KIND_ASC,
        connector=ScriptedConfig(name="demo", token=CANARY),  # type: ignore[arg-type]
    )
    return Settings(
        database_url="sqlite://",
        log_format=log_format,  # type: ignore[arg-type]
        api=ApiSettings(read_tokens=list(read_tokens), admin_tokens=[ADMIN]),  # type: ignore[list-item]
        sources=[source],
    )


@pytest.fixture
def set_up() -> Iterator[SetUp]:
    """Installs the service's logging for settings made from the keyword arguments; the
    root logger is restored afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level

    def install(**options: Any) -> Settings:
        chosen = settings(**options)
        logs.set_up(chosen)
        return chosen

    yield install
    root.handlers[:] = handlers
    root.setLevel(level)


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line of `text` parsed; fails the test if one is not a JSON object."""
    parsed = [json.loads(line) for line in text.splitlines() if line]
    assert all(isinstance(entry, dict) for entry in parsed)
    return parsed


def events(text: str, event: str) -> list[dict[str, Any]]:
    return [entry for entry in json_lines(text) if entry.get("event") == event]


def test_json_lines_carry_time_level_logger_message_and_extra_fields(set_up, capsys):
    set_up()
    logging.getLogger("some.library").warning("disk %s", "full", extra={"free_bytes": 0})

    [entry] = json_lines(capsys.readouterr().err)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "some.library"
    assert entry["message"] == "disk full"
    assert entry["free_bytes"] == 0
    assert entry["time"].endswith("+00:00")


@pytest.fixture
def uvicorn_error_log() -> Iterator[logging.Logger]:
    """uvicorn's server logger at INFO (a loopback server run by another test may have
    raised its level), restored afterwards."""
    logger = logging.getLogger("uvicorn.error")
    level = logger.level
    logger.setLevel(logging.INFO)
    yield logger
    logger.setLevel(level)


def test_uvicorns_coloured_copy_of_the_message_is_left_out(set_up, capsys, uvicorn_error_log):
    set_up()
    uvicorn_error_log.info(
        "Started %s", "server", extra={"color_message": "Started \x1b[36mserver\x1b[0m"}
    )

    [entry] = json_lines(capsys.readouterr().err)
    assert "color_message" not in entry
    assert entry["message"] == "Started server"


def test_a_traceback_stays_inside_its_one_json_line_and_is_redacted(set_up, capsys):
    set_up()
    try:
        raise RuntimeError(f"request failed with {CANARY}")
    except RuntimeError:
        logging.getLogger("some.library").exception("sync failed")

    err = capsys.readouterr().err
    [entry] = json_lines(err)
    assert "RuntimeError: request failed with [redacted]" in entry["exception"]
    assert CANARY not in err


def test_secrets_and_authorization_in_extra_fields_are_redacted(set_up, capsys):
    set_up()
    logging.getLogger("some.http.client").info(
        "sent",
        extra={"headers": {"Authorization": "Bearer abc.def"}, "url": f"/x?token={CANARY}"},
    )

    err = capsys.readouterr().err
    [entry] = json_lines(err)
    assert "abc.def" not in err
    assert CANARY not in err
    assert entry["url"] == "/x?token=[redacted]"
    assert "[redacted]" in entry["headers"]


def test_text_format_writes_plain_lines(set_up, capsys):
    set_up(log_format="text")
    logging.getLogger("some.library").info("plain %s", CANARY)

    err = capsys.readouterr().err
    assert err.rstrip().endswith("some.library: plain [redacted]")
    with pytest.raises(json.JSONDecodeError):
        json.loads(err)


def test_a_sync_run_writes_one_line_with_its_figures(set_up, capsys, sessions, clock, tracker):
    chosen = set_up()
    for _ in range(4):
        tracker.create()
        tracker.tick()

    result = SyncRunner(sessions, clock, CONNECTORS).sync(chosen.sources[0])

    [entry] = events(capsys.readouterr().err, "sync_run")
    assert entry["level"] == "INFO"
    assert entry["logger"] == "service.sync.runner"
    assert {k: entry[k] for k in ("source", "run_id", "status", "error")} == {
        "source": "demo",
        "run_id": result.run_id,
        "status": "success",
        "error": None,
    }
    assert (entry["items_seen"], entry["items_changed"], entry["item_errors"]) == (4, 4, 0)
    assert entry["requests"] == result.requests > 0
    assert entry["duration_s"] == 0.0  # the manual clock did not move during the run


def test_a_failed_run_logs_a_warning_whose_error_holds_no_token(
    set_up, capsys, sessions, clock, tracker
):
    chosen = set_up()
    tracker.create()
    tracker.fail_with = ConnectorError(f"tracker refused token {CANARY}")

    SyncRunner(sessions, clock, CONNECTORS).sync(chosen.sources[0])

    err = capsys.readouterr().err
    [entry] = events(err, "sync_run")
    assert (entry["level"], entry["status"]) == ("WARNING", "failed")
    assert entry["error"] == "tracker refused token [redacted]"
    assert CANARY not in err


@pytest.fixture
def client(set_up, engine, clock) -> Iterator[TestClient]:
    app = create_app(set_up(), engine=engine, clock=clock, connectors=CONNECTORS)
    with TestClient(app) as started:
        yield started


def test_a_request_writes_one_line_without_query_string_or_authorization(client, capsys):
    capsys.readouterr()
    response = client.get(
        f"/api/v1/items?key={CANARY}", headers={"Authorization": f"Bearer {ADMIN}"}
    )

    err = capsys.readouterr().err
    [entry] = events(err, "http_request")
    assert (entry["method"], entry["path"], entry["status"]) == (
        "GET",
        "/api/v1/items",
        response.status_code,
    )
    assert entry["logger"] == "service.http"
    assert entry["duration_ms"] >= 0
    assert CANARY not in err
    assert ADMIN not in err


def test_a_refused_request_is_logged_with_its_status(set_up, engine, clock, capsys):
    app = create_app(set_up(read_tokens=("reader",)), engine=engine, clock=clock)
    with TestClient(app) as client:
        client.get("/api/v1/items", headers={"Authorization": "Bearer wrong-token"})

    [entry] = events(capsys.readouterr().err, "http_request")
    assert entry["status"] == 401
    assert "wrong-token" not in json.dumps(entry)


def test_probes_are_logged_only_at_debug(client, capsys):
    capsys.readouterr()
    assert client.get("/healthz").status_code == 200

    assert events(capsys.readouterr().err, "http_request") == []
