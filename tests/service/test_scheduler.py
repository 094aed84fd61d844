"""The scheduler: one coalescing job per source, reconciliation every reconcile_interval,
rate-limited sources retried at their reset, and a hanging source isolated (check 8)."""

from __future__ import annotations

import itertools
import threading
from datetime import timedelta

import pytest

from connectors.errors import RateLimited
from service.clock import SystemClock
from service.config import Settings, SourceSettings
from service.scheduler import Scheduler, jitter_for, reconcile_due
from service.sync.runner import SyncRunner
from tests.conftest import NOW
from tests.service.sync import mirror
from tests.service.sync.paced import RELEASE_HANGS, PacedConfig, PacedConnector
from tests.support.scripted import CONNECTORS, KIND_ASC, ScriptedConfig


def scripted(name: str, poll: timedelta = timedelta(minutes=5)) -> SourceSettings:
    return SourceSettings(
        name=name, kind=KIND_ASC, poll_interval=poll, connector=ScriptedConfig(name=name)
    )


@pytest.fixture
def make_scheduler(sessions, clock):
    made: list[Scheduler] = []

    def make(*sources: SourceSettings, clock=clock, connectors=CONNECTORS) -> Scheduler:
        settings = Settings(database_url="sqlite://", sources=list(sources or [scripted("demo")]))
        runner = SyncRunner(sessions, clock, connectors)
        made.append(Scheduler(settings, runner, sessions, clock))
        return made[-1]

    yield make
    for scheduler in made:
        scheduler.stop()


def test_each_source_gets_one_coalescing_job_at_its_poll_interval(make_scheduler):
    scheduler = make_scheduler(scripted("demo"), scripted("fast", timedelta(seconds=30)))

    jobs = scheduler.jobs()

    assert set(jobs) == {"demo", "fast"}
    assert jobs["demo"].trigger.interval == timedelta(minutes=5)
    assert jobs["fast"].trigger.interval == timedelta(seconds=30)
    assert (jobs["demo"].trigger.jitter, jobs["fast"].trigger.jitter) == (30, 3)
    for job in jobs.values():
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, None)


def test_jitter_is_a_tenth_of_the_interval_up_to_30_seconds():
    assert jitter_for(timedelta(seconds=20)) == 2
    assert jitter_for(timedelta(hours=1)) == 30


def test_a_poll_reconciles_only_when_the_last_reconciliation_is_older_than_the_interval(
    make_scheduler, sessions, tracker, clock
):
    scheduler = make_scheduler()
    tracker.create()
    tracker.create()
    reconciled, removed = [], []
    for minutes in (0, 5, 50, 10, 5):  # polls at 0, 5, 55, 65 (>= 1h after 0) and 70 min
        clock.advance(minutes * 60)
        if minutes == 50:
            tracker.delete("id-1")
        result = scheduler.poll(scripted("demo"))
        assert result is not None
        reconciled.append(mirror.run(sessions, result.run_id).reconciled)
        removed.append(bool(mirror.removed(sessions)))

    assert reconciled == [True, False, False, True, False]
    assert removed == [False, False, False, True, True]


def test_reconcile_is_due_when_never_done_or_an_interval_ago():
    hour = timedelta(hours=1)
    assert reconcile_due(None, NOW, hour)
    assert not reconcile_due(NOW - timedelta(minutes=59), NOW, hour)
    assert reconcile_due(NOW - hour, NOW, hour)


def test_a_rate_limited_source_is_next_polled_at_its_retry_time(
    make_scheduler, sessions, tracker, clock
):
    scheduler = make_scheduler()
    tracker.create()
    tracker.fail_with = RateLimited("slow down", retry_after=600)

    limited = scheduler.poll(scripted("demo"))

    assert limited is not None
    assert limited.status == "rate_limited"
    reset = clock.now() + timedelta(seconds=600)
    assert scheduler.next_run_at("demo") == reset
    clock.advance(300)
    assert scheduler.poll(scripted("demo")) is None  # a replica's job firing early waits too
    assert len(mirror.runs(sessions)) == 1
    assert scheduler.next_run_at("demo") == reset
    clock.advance(300)
    assert scheduler.poll(scripted("demo")).status == "success"


def test_a_poll_of_a_source_synced_elsewhere_is_skipped(make_scheduler, sessions, tracker, clock):
    SyncRunner(sessions, clock, CONNECTORS).open_run(scripted("demo"))

    assert make_scheduler().poll(scripted("demo")) is None
    assert len(mirror.runs(sessions)) == 1


@pytest.fixture
def release_hangs():
    RELEASE_HANGS.clear()
    yield
    RELEASE_HANGS.set()


def test_a_hanging_source_does_not_delay_another_beyond_its_interval(
    make_scheduler, sessions, release_hangs
):
    """RELIABILITY check 8, on real time: `fast` polls every second while `hang` never answers."""
    finished = threading.Semaphore(0)

    class CountingFinishes(PacedConnector):
        def close(self) -> None:
            if not self.config.hang:
                finished.release()

    hang = SourceSettings(
        name="hang",
        kind="paced",
        poll_interval=timedelta(seconds=1),
        connector=PacedConfig(name="hang", hang=True),
    )
    quick = SourceSettings(
        name="fast",
        kind="paced",
        poll_interval=timedelta(seconds=1),
        connector=PacedConfig(name="fast", page_delay=0, items=2),
    )
    scheduler = make_scheduler(
        hang, quick, clock=SystemClock(), connectors={"paced": CountingFinishes}
    )
    try:
        scheduler.start()
        for _ in range(4):
            assert finished.acquire(timeout=10), "the fast source stopped being polled"
    finally:
        RELEASE_HANGS.set()
        scheduler.stop()
    runs = [r for r in mirror.runs(sessions, "fast") if r.status == "success"]
    starts = sorted(r.started_at for r in runs)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(starts)]
    assert len(runs) >= 4
    assert max(gaps) < 1 + 0.1 + 1  # interval + jitter + slack
    [hung] = mirror.runs(sessions, "hang")
    assert hung.started_at <= starts[0] + timedelta(seconds=1)
