"""Secret leakage on the connector side (RELIABILITY check 10): with a canary token as each
connector's credential and every HTTP library logging at DEBUG, syncs that hit 401, 500s,
timeouts and rate limits never let the canary reach a log line, stderr, a traceback or a
sync run's error. No redacting filter is installed here: the libraries' own debug output
and the connectors' messages must already be clean."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from connectors.github import client as github_client
from connectors.jira import client as jira_client
from connectors.linear import http as linear_http
from connectors.testing import serve
from service.sync.runner import SyncRunner
from tests.connectors.trackers import CANARY, GITHUB, JIRA_CLOUD, JIRA_DC, LINEAR, Tracker
from tests.service.sync import mirror

LOGGERS = ["httpx", "httpcore", "urllib3", "requests", "github", "jira", "connectors", "service"]
LINEAR_CANARY = f"lin_api_{CANARY}"


def canary_for(tracker: Tracker) -> str:
    return LINEAR_CANARY if tracker.kind == "linear" else CANARY


def trusting(tracker: Tracker, fake: Any) -> None:
    """Make the fake accept only the canary as the credential."""
    if tracker.kind == "github":
        fake.valid_tokens = {CANARY}
    elif tracker.kind == "jira":
        fake.token = CANARY
    else:
        fake.api_keys = {LINEAR_CANARY}


FAULTS: dict[str, Callable[[Tracker, Any, Any], None]] = {
    "401": lambda t, fake, clock: fake.fail_next(401),
    "500": lambda t, fake, clock: fake.fail_next(500, times=5),
    "timeout": lambda t, fake, clock: fake.stall_next(1.5, times=2),
    "rate-limit": lambda t, fake, clock: fake.fail_next(
        429, headers={"Retry-After": str(int(timedelta(hours=1).total_seconds()))}
    ),
}


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("tracker", [GITHUB, JIRA_CLOUD, JIRA_DC, LINEAR], ids=lambda t: t.name)
def test_canary_token_never_leaves_the_request(
    sessions, clock, caplog, capfd, monkeypatch, tracker, fault
):
    monkeypatch.setattr(github_client, "TIMEOUT_SECONDS", 1)
    monkeypatch.setattr(jira_client, "TIMEOUT_SECONDS", 1)
    monkeypatch.setattr(linear_http, "READ_TIMEOUT_SECONDS", 1)
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    stderr = logging.StreamHandler()
    stderr.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(stderr)
    fake = tracker.fake()
    trusting(tracker, fake)
    try:
        with serve(fake.app) as base:
            settings = tracker.source(fake, base, token=canary_for(tracker))
            tracker.create(fake, "Action 1")
            runner = SyncRunner(sessions, clock, {tracker.kind: tracker.connector})
            assert runner.sync(settings).status == "success", "the canary is not accepted"
            FAULTS[fault](tracker, fake, clock)
            result = runner.sync(settings)
    finally:
        logging.getLogger().removeHandler(stderr)

    assert fake.faults_pending() == 0, "the fault was not hit"
    assert result.status != "success" or fault == "timeout"
    run = mirror.run(sessions, result.run_id)
    secret = canary_for(tracker)
    assert any(r.levelno == logging.DEBUG for r in caplog.records), "no debug logging captured"
    out, err = capfd.readouterr()
    assert secret not in caplog.text
    assert secret not in out + err
    assert secret not in (run.error or "")
    assert secret not in repr(settings)
