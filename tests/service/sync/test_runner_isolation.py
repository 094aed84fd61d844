"""Source isolation (RELIABILITY rule 7): a failing source ends its own run and never stops
the next source's sync."""

from __future__ import annotations

import pytest

from connectors.errors import AuthError, BadResponse
from tests.service.sync import mirror
from tests.service.sync.conftest import scripted_source
from tests.support import scripted


@pytest.fixture
def two_trackers():
    trackers = {name: scripted.ScriptedTracker() for name in ("alpha", "beta")}
    scripted.TRACKERS.update(trackers)
    yield trackers
    for name in trackers:
        scripted.TRACKERS.pop(name, None)


@pytest.mark.parametrize(
    "failure", [BadResponse("truncated JSON"), AuthError("bad token"), RuntimeError("boom")]
)
def test_failing_source_does_not_stop_the_next(sessions, runner, kind, two_trackers, failure):
    for tracker in two_trackers.values():
        for _ in range(4):
            tracker.create()
    two_trackers["alpha"].fail_with = failure
    sources = [scripted_source(name, kind) for name in two_trackers]

    results = [runner.sync(source) for source in sources]

    assert [r.status for r in results] == ["failed", "success"]
    assert mirror.tracked(sessions, "alpha") == {}
    assert mirror.tracked(sessions, "beta") == two_trackers["beta"].tracked()


def test_sources_keep_separate_cursors_and_items(sessions, runner, kind, two_trackers):
    alpha, beta = two_trackers["alpha"], two_trackers["beta"]
    alpha.create()
    beta.tick(7200)
    beta.create()
    for name in two_trackers:
        runner.sync(scripted_source(name, kind))

    assert mirror.state(sessions, "alpha")["main"].cursor == alpha.now
    assert mirror.state(sessions, "beta")["main"].cursor == beta.now
    assert mirror.tracked(sessions, "alpha") == alpha.tracked()
    assert mirror.tracked(sessions, "beta") == beta.tracked()
