"""Opening a run: one live run per source (its lease), runs of dead processes closed once
their lease expired, secrets kept out of the run's error."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from service.config import SourceSettings
from service.sync.runner import SyncAlreadyRunning, SyncRunner
from tests.service.sync import mirror
from tests.support.scripted import CONNECTORS, KIND_ASC, Crash, ScriptedConfig

CANARY = "canary-token-7f3a91"


def test_a_second_run_of_a_source_is_refused_while_the_first_is_open(runner, source, tracker):
    first = runner.open_run(source)

    with pytest.raises(SyncAlreadyRunning) as refused:
        runner.open_run(source)

    assert refused.value.run_id == first
    assert "already running" in str(refused.value)


def test_a_source_can_sync_again_once_its_run_finished(runner, source, tracker):
    first = runner.open_run(source)
    runner.run(first, source)

    second = runner.open_run(source)

    assert second != first


def test_another_runner_is_refused_while_the_lease_is_held(sessions, runner, source, clock):
    first = runner.open_run(source)
    replica = SyncRunner(sessions, clock, CONNECTORS)

    with pytest.raises(SyncAlreadyRunning) as refused:
        replica.sync(source)

    assert refused.value.run_id == first


def test_a_run_left_open_by_a_dead_process_is_closed_once_its_lease_expired(
    sessions, runner, source, tracker, clock
):
    tracker.create()
    tracker.crash_after_pages = 0
    with pytest.raises(Crash):
        SyncRunner(sessions, clock, CONNECTORS).sync(source)
    with pytest.raises(SyncAlreadyRunning):
        runner.sync(source)  # the dead process's lease has not expired yet
    mirror.expire_leases(sessions)

    result = runner.sync(source)

    assert result.status == "success"
    crashed, done = mirror.runs(sessions)
    assert (crashed.status, crashed.error_kind) == ("failed", "interrupted")
    assert crashed.finished_at == done.started_at
    assert done.id == result.run_id


def test_a_token_in_an_unexpected_error_never_reaches_the_run_record(sessions, runner, tracker):
    source = SourceSettings(
        name="demo",
        kind=KIND_ASC,
        connector=ScriptedConfig(name="demo", token=SecretStr(CANARY)),
    )
    tracker.fail_with = RuntimeError(f"GET https://x/?access_token={CANARY} failed")

    result = runner.sync(source)

    assert result.status == "failed"
    assert result.error is not None
    assert CANARY not in result.error
    assert CANARY not in (mirror.run(sessions, result.run_id).error or "")
