"""Idempotence over every real connector (RELIABILITY check 2, issue 9): Hypothesis drives
a fake GitHub, Jira Cloud, Jira Data Center and Linear with random creates, edits,
relabels, closes, reopens, moves, deletes, clock ticks, syncs and crashed syncs; after a
final full sync the mirror equals the fake's truth (a fresh full listing of the fake,
normalised by its connector) and a repeat sync changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import Receive, Scope, Send

from connectors.item import Item
from connectors.testing import serve
from service.clock import ManualClock
from service.sync.runner import SyncRunner
from tests.conftest import NOW
from tests.connectors.fakes import crashing
from tests.connectors.trackers import TRACKERS, Tracker
from tests.service.sync import mirror
from tests.support.scripted import Crash

SETTINGS = settings(
    max_examples=15,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PAGE = 2
POSTGRES_EXAMPLES = 6
"""PostgreSQL empties its tables per example (slower than copying a SQLite file)."""

picks = st.integers(0, 1_000)
seconds = st.sampled_from([0, 1, 59, 600, 7200])


class Switch:
    """One loopback server for a whole test, answering with whichever fake is current
    (each Hypothesis example gets a fresh fake without a fresh server)."""

    def __init__(self) -> None:
        self.fake: Any = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.fake.app(scope, receive, send)


class ConnectorMachine(RuleBasedStateMachine):
    """One source on a fake tracker, driven by random edits and syncs."""

    def __init__(
        self, sessions: sessionmaker[Session], tracker: Tracker, switch: Switch, base: str
    ) -> None:
        super().__init__()
        self.sessions = sessions
        self.tracker = tracker
        self.fake = switch.fake = tracker.fake()
        self.base = base
        self.clock = ManualClock(NOW)
        self.settings = tracker.source(self.fake, base, page_size=PAGE)
        self.runner = SyncRunner(sessions, self.clock, {tracker.kind: tracker.connector})
        self.live: list[str] = []
        self.created = 0

    def _pick(self, number: int) -> str:
        return self.live[number % len(self.live)]

    @rule()
    def create(self) -> None:
        self.created += 1
        self.live.append(self.tracker.create(self.fake, f"Action {self.created}"))
        self.fake.tick(1)

    @precondition(lambda self: self.live)
    @rule(number=picks, title=st.text("abc xyz", min_size=1, max_size=8))
    def update(self, number: int, title: str) -> None:
        self.tracker.retitle(self.fake, self._pick(number), title)

    @precondition(lambda self: self.live)
    @rule(number=picks, labelled=st.booleans())
    def relabel(self, number: int, labelled: bool) -> None:
        self.tracker.relabel(self.fake, self._pick(number), labelled)

    @precondition(lambda self: self.live)
    @rule(number=picks, closed=st.booleans())
    def close_or_reopen(self, number: int, closed: bool) -> None:
        self.tracker.set_closed(self.fake, self._pick(number), closed)

    @precondition(lambda self: self.live)
    @rule(number=picks)
    def move(self, number: int) -> None:
        self.tracker.move(self.fake, self._pick(number))

    @precondition(lambda self: self.live)
    @rule(number=picks)
    def delete(self, number: int) -> None:
        item = self._pick(number)
        self.tracker.delete(self.fake, item)
        self.live.remove(item)

    @rule(tracker_seconds=seconds, service_seconds=seconds)
    def tick(self, tracker_seconds: int, service_seconds: int) -> None:
        self.fake.tick(tracker_seconds)
        self.clock.advance(service_seconds)

    @rule()
    def sync(self) -> None:
        result = self.runner.sync(self.settings)
        assert result.status == "success", result.error

    @rule(after=st.integers(1, 3))
    def sync_that_crashes(self, after: int) -> None:
        kind = self.tracker.kind
        doomed = SyncRunner(
            self.sessions, self.clock, {kind: crashing(self.tracker.connector, after)}
        )
        try:
            result = doomed.sync(self.settings)
        except Crash:
            mirror.expire_leases(self.sessions)
        else:
            assert result.status == "success", result.error

    def teardown(self) -> None:
        final = self.runner.sync(self.settings, full=True)
        assert final.status == "success", final.error
        truth = self.tracker.truth(self.fake, self.base, page_size=PAGE)
        assert _comparable(mirror.tracked(self.sessions)) == _comparable(truth)
        assert mirror.duplicate_keys(self.sessions) == []
        again = self.runner.sync(self.settings)
        assert (again.status, again.items_changed, again.items_removed) == ("success", 0, 0)


def _comparable(items: dict[str, Item]) -> dict[str, Item]:
    """Items without `previous_keys`: the mirror remembers every key an item had (so old
    links resolve) while a fresh listing only knows what the tracker still reports."""
    return {key: replace(item, previous_keys=()) for key, item in items.items()}


@pytest.fixture
def switch() -> Iterator[tuple[Switch, str]]:
    holder = Switch()
    with serve(holder) as base:
        yield holder, base


@pytest.mark.parametrize("tracker", TRACKERS, ids=[t.name for t in TRACKERS])
def test_mirror_equals_each_trackers_truth_after_random_changes_and_crashes(
    request: pytest.FixtureRequest,
    fresh_sessions: Callable[[], sessionmaker[Session]],
    switch: tuple[Switch, str],
    tracker: Tracker,
) -> None:
    holder, base = switch
    bounded = SETTINGS
    if request.node.callspec.id.startswith("postgresql"):
        bounded = settings(SETTINGS, max_examples=POSTGRES_EXAMPLES)
    run_state_machine_as_test(
        lambda: ConnectorMachine(fresh_sessions(), tracker, holder, base), settings=bounded
    )
