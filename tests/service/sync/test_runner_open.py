"""Opening a run: one live run per source, orphans of dead processes closed, secrets kept
out of the run's error."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from service.config import SourceSettings
from service.store import runs as run_store
from service.store import sources as source_store
from service.sync.runner import SyncAlreadyRunning
from tests.service.sync import mirror
from tests.support.scripted import KIND_ASC, ScriptedConfig

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


def test_a_run_this_runner_does_not_own_is_closed_as_interrupted(
    sessions, runner, source, tracker, clock
):
    with sessions.begin() as session:
        source_store.ensure(session, source.name, source.kind)
        run_store.start(session, source.name, clock.now(), full=False, owner="gone-host-pid")

    result = runner.sync(source)

    assert result.status == "success"
    statuses = [mirror.run(sessions, run_id).status for run_id in (1, result.run_id)]
    assert statuses == ["failed", "success"]


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
