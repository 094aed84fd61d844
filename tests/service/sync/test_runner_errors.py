"""Bad input and tracker failures (RELIABILITY check 11, rule 8): a malformed item is
reported while the rest lands; a failing tracker ends the run clearly and loses nothing
already mirrored."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectors.errors import AuthError, BadResponse, RateLimited
from tests.service.sync import mirror

KIND_DESC = "scripted-desc"


def items(tracker, count: int) -> None:
    for _ in range(count):
        tracker.create()
        tracker.tick()


def test_malformed_item_is_reported_and_the_rest_of_its_page_lands(
    sessions, runner, source, tracker
):
    items(tracker, 6)
    tracker.items["id-2"].malformed = True

    result = runner.sync(source)

    assert (result.status, result.item_errors) == ("partial", 1)
    run = mirror.run(sessions, result.run_id)
    assert (run.status, run.item_errors) == ("partial", 1)
    assert run.error_details == ["ACT-2: missing field 'updated'"]
    assert set(mirror.tracked(sessions)) == set(tracker.tracked()) - {"id-2"}

    tracker.items["id-2"].malformed = False
    tracker.update("id-2")
    assert runner.sync(source).status == "success"
    assert mirror.tracked(sessions) == tracker.tracked()


def test_malformed_version_of_a_mirrored_item_keeps_the_mirrored_one(
    sessions, runner, source, tracker
):
    items(tracker, 3)
    runner.sync(source)
    held = mirror.tracked(sessions)["id-1"]
    tracker.update("id-1", title="Unreadable now")
    tracker.items["id-1"].malformed = True

    result = runner.sync(source)

    assert result.status == "partial"
    assert mirror.tracked(sessions)["id-1"] == held


def test_unparseable_page_fails_the_run_and_keeps_committed_pages(
    sessions, runner, source, tracker
):
    items(tracker, 6)
    runner.sync(source)
    mirrored = mirror.tracked(sessions)
    tracker.tick(3600)
    for external_id in list(tracker.items):
        tracker.update(external_id, title=f"{external_id} reworded")
        tracker.tick()
    items(tracker, 6)  # four pages of changes in all
    tracker.fail_with = BadResponse("tracker answered with an HTML page, not JSON")
    tracker.fail_after_pages = 2

    result = runner.sync(source)

    assert result.status == "failed"
    assert result.error == "tracker answered with an HTML page, not JSON"
    run = mirror.run(sessions, result.run_id)
    assert (run.status, run.error_kind, run.error) == ("failed", "tracker", result.error)
    assert result.items_changed == 6
    now = mirror.tracked(sessions)
    assert set(mirror.rows(sessions)) >= set(mirrored)
    assert set(now) >= set(mirrored)
    assert len([i for i in now if now[i] != mirrored.get(i)]) == 6
    saved = mirror.state(sessions)["main"]
    if source.kind == KIND_DESC:
        assert saved.resume_token is not None
    else:
        assert saved.cursor == max(i.updated_at for i in now.values())

    assert runner.sync(source).status == "success"
    assert mirror.tracked(sessions) == tracker.tracked()


def test_auth_error_marks_the_source_misconfigured(sessions, runner, source, tracker):
    items(tracker, 4)
    runner.sync(source)
    tracker.fail_with = AuthError("token rejected: check the token of source demo")

    result = runner.sync(source)

    run = mirror.run(sessions, result.run_id)
    assert (run.status, run.error_kind) == ("failed", "misconfigured")
    assert run.error == "token rejected: check the token of source demo"
    assert mirror.tracked(sessions) == tracker.tracked()


def test_rate_limit_ends_the_run_with_a_retry_time_and_keeps_committed_pages(
    sessions, clock, runner, source, tracker
):
    items(tracker, 9)
    tracker.fail_with = RateLimited("rate limited", retry_after=900)
    tracker.fail_after_pages = 1

    result = runner.sync(source)

    run = mirror.run(sessions, result.run_id)
    assert (run.status, run.error_kind) == ("rate_limited", "rate_limited")
    assert run.retry_at == clock.now() + timedelta(seconds=900)
    assert len(mirror.tracked(sessions)) == 3
    assert runner.sync(source).status == "success"
    assert mirror.tracked(sessions) == tracker.tracked()


def test_rate_limit_with_reset_time_retries_at_the_reset(sessions, clock, runner, source, tracker):
    items(tracker, 2)
    reset = clock.now() + timedelta(minutes=20)
    tracker.fail_with = RateLimited("rate limited", reset_at=reset)

    result = runner.sync(source)

    assert mirror.run(sessions, result.run_id).retry_at == reset


def test_unexpected_error_is_an_internal_failure(sessions, runner, source, tracker):
    items(tracker, 2)
    tracker.fail_with = KeyError("fields")

    result = runner.sync(source)

    assert result.status == "failed"
    assert result.error == "internal error: KeyError: 'fields'"
    assert mirror.run(sessions, result.run_id).error_kind == "internal"


def test_run_of_an_unknown_id_is_refused(runner, source, tracker):
    with pytest.raises(LookupError):
        runner.run(9999, source)
