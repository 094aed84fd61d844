"""Idempotence (RELIABILITY check 2), Hypothesis stateful: random creates, edits, relabels,
moves, deletes, clock ticks, syncs and crashed syncs; after every sync that starts clean
the mirror equals the tracker field by field, and a repeat sync changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    rule,
    run_state_machine_as_test,
)

from connectors.item import ItemState
from service.clock import ManualClock
from service.sync.runner import SyncRunner
from tests.conftest import NOW
from tests.service.sync import mirror
from tests.service.sync.conftest import scripted_source
from tests.support import scripted

SETTINGS = settings(
    max_examples=30,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

states = st.sampled_from(ItemState)
owners = st.lists(st.sampled_from(["ana", "bo", "Cy"]), max_size=2, unique=True).map(tuple)
dues = st.none() | st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))
titles = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=20)
seconds = st.sampled_from([0, 0, 1, 59, 600, 7200])
then_sync = st.booleans()


class SyncMachine(RuleBasedStateMachine):
    """One source on a scripted tracker, driven by random edits and syncs."""

    items = Bundle("items")

    def __init__(self, sessions, kind: str) -> None:
        super().__init__()
        self.sessions = sessions
        self.tracker = scripted.ScriptedTracker()
        scripted.TRACKERS["demo"] = self.tracker
        self.clock = ManualClock(NOW)
        self.runner = SyncRunner(sessions, self.clock, scripted.CONNECTORS)
        self.source = scripted_source("demo", kind, page_size=2)

    @initialize(skew=st.sampled_from([-900, 0, 900]))
    def skew_tracker_clock(self, skew):
        """The tracker's clock runs up to 15 minutes behind or ahead of the service's."""
        self.tracker.now = NOW + timedelta(seconds=skew)

    @rule(target=items, state=states, owners=owners, due=dues, then_sync=then_sync)
    def create(self, state, owners, due, then_sync):
        resolved = self.tracker.now if state.is_closed else None
        item = self.tracker.create(
            state=state, raw_status=state.value, owners=owners, due_date=due, resolved_at=resolved
        )
        self._changed(then_sync)
        return item.external_id

    @rule(
        external_id=items, state=states, owners=owners, due=dues, title=titles, then_sync=then_sync
    )
    def update(self, external_id, state, owners, due, title, then_sync):
        resolved = self.tracker.now if state.is_closed else None
        self.tracker.update(
            external_id,
            state=state,
            raw_status=state.value,
            owners=owners,
            due_date=due,
            title=title,
            resolved_at=resolved,
        )
        self._changed(then_sync)

    @rule(external_id=items, then_sync=then_sync)
    def toggle_label(self, external_id, then_sync):
        """Relabel off, or back on."""
        self.tracker.relabel(external_id, not self.tracker.items[external_id].labelled)
        self._changed(then_sync)

    @rule(external_id=items, number=st.integers(1, 5), then_sync=then_sync)
    def move(self, external_id, number, then_sync):
        self.tracker.move(external_id, f"OPS-{number}")
        self._changed(then_sync)

    @rule(external_id=items, then_sync=then_sync)
    def delete(self, external_id, then_sync):
        self.tracker.delete(external_id)
        self._changed(then_sync)

    @rule(tracker_seconds=seconds, service_seconds=seconds)
    def tick(self, tracker_seconds, service_seconds):
        self.tracker.tick(tracker_seconds)
        self.clock.advance(service_seconds)

    @rule()
    def sync(self):
        self._sync()

    @rule(k=st.integers(0, 4))
    def sync_that_crashes(self, k):
        self.tracker.crash_after_pages = k
        try:
            self._sync()
        except scripted.Crash:
            mirror.expire_leases(self.sessions)

    def teardown(self):
        try:
            if self._resuming():
                self._sync()
            self._sync()
        finally:
            scripted.TRACKERS.pop("demo", None)

    def _changed(self, then_sync: bool) -> None:
        """Half the changes are followed by a sync, so syncs interleave densely with edits."""
        if then_sync:
            self._sync()

    def _resuming(self) -> bool:
        return any(s.resume_token for s in mirror.state(self.sessions).values())

    def _sync(self) -> None:
        """Sync; a run that starts clean must leave the mirror equal to the tracker.

        A newest-first run resuming a crashed one only finishes the old listing: changes
        made since are picked up by the next run (RELIABILITY rule 5).
        """
        resuming = self._resuming()
        result = self.runner.sync(self.source)
        assert result.status == "success", result.error
        if resuming:
            return
        assert mirror.tracked(self.sessions) == self.tracker.tracked()
        assert mirror.removed(self.sessions) == set(mirror.rows(self.sessions)) - set(
            self.tracker.tracked()
        )
        assert mirror.duplicate_keys(self.sessions) == []
        for external_id, item in self.tracker.tracked().items():
            assert mirror.owners(self.sessions, external_id) == list(item.owners)
        for external_id, row in mirror.rows(self.sessions).items():
            assert mirror.current_values(self.sessions, external_id) == {
                "state": row.state,
                "owner": row.owner,
                "due_date": row.due_date.isoformat() if row.due_date else None,
                "tracked": "true" if row.removed_at is None else "false",
            }
        before = {k: mirror.as_item(r) for k, r in mirror.rows(self.sessions).items()}
        again = self.runner.sync(self.source)
        assert (again.status, again.items_changed, again.items_removed) == ("success", 0, 0)
        after = {k: mirror.as_item(r) for k, r in mirror.rows(self.sessions).items()}
        assert after == before


def test_mirror_equals_tracker_after_random_changes_and_crashes(fresh_sessions, kind):
    run_state_machine_as_test(lambda: SyncMachine(fresh_sessions(), kind), settings=SETTINGS)
