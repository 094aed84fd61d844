"""Sync counters: every run finished or interrupted adds to its source's running totals in
the same transaction, and those totals always equal a recount of the runs themselves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from service.store import run_metrics
from service.store import runs as run_store
from service.store import sources as source_store
from service.store.models import SyncCounter

T = datetime(2026, 3, 2, 9, tzinfo=UTC)
SOURCES = ("demo", "other")

finished = st.tuples(
    st.sampled_from(SOURCES),
    st.sampled_from(run_metrics.FINISHED_STATUSES),
    st.floats(min_value=0, max_value=4000, allow_nan=False),
    st.dictionaries(st.sampled_from(["200", "304", "429", "502"]), st.integers(0, 50)),
)


def counters(session) -> dict[tuple[str, str, str], float]:
    rows = session.execute(
        select(SyncCounter.source, SyncCounter.name, SyncCounter.label, SyncCounter.value)
    )
    return {(s, n, lab): round(v, 6) for s, n, lab, v in rows}


def start(session, source: str, at: datetime, requests: dict[str, int]):
    run = run_store.start(session, source, at, full=False, owner="test")
    run.request_statuses = requests
    return run


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(runs=st.lists(finished, max_size=12), interrupted=st.booleans())
def test_running_totals_equal_a_recount_of_the_runs(sessions, runs, interrupted):
    with sessions() as session:
        session.query(SyncCounter).delete()
        for name in SOURCES:
            source_store.ensure(session, name, "scripted")
        for n, (source, status, seconds, requests) in enumerate(runs):
            started = T + timedelta(hours=n)
            run = start(session, source, started, requests)
            run_store.finish(session, run, status, started + timedelta(seconds=seconds))
        if interrupted:
            run_store.interrupt(
                session, start(session, "demo", T, {"200": 2}), T + timedelta(minutes=3)
            )
        kept = counters(session)
        run_metrics.rebuild_counters(session)
        assert kept == counters(session)
        session.rollback()


def test_a_scrape_counts_finished_runs_once_and_open_runs_as_they_go(sessions):
    with sessions.begin() as session:
        source_store.ensure(session, "demo", "scripted")
        done = start(session, "demo", T, {"200": 3, "304": 1})
        run_store.finish(session, done, "success", T + timedelta(seconds=4))
        start(session, "demo", T + timedelta(hours=1), {"200": 2, "429": 1})

    with sessions() as session:
        assert run_metrics.requests_by_status(session, ["demo"]) == {
            ("demo", "200"): 5,
            ("demo", "304"): 1,
            ("demo", "429"): 1,
        }
        ended = run_metrics.finished_runs(session, ["demo"])
    assert ended.by_status == {("demo", "success"): 1}
    histogram = ended.durations["demo"]
    assert (histogram.count, histogram.total_seconds) == (1, 4.0)
    assert histogram.buckets[1.0] == 0
    assert histogram.buckets[5.0] == histogram.buckets[1800.0] == 1


def test_an_interrupted_run_counts_as_failed_with_what_it_sent(sessions):
    with sessions.begin() as session:
        source_store.ensure(session, "demo", "scripted")
        orphan = start(session, "demo", T, {"502": 2})
        run_store.interrupt(session, orphan, T + timedelta(minutes=10))

    with sessions() as session:
        assert run_metrics.finished_runs(session, ["demo"]).by_status == {("demo", "failed"): 1}
        assert run_metrics.requests_by_status(session, ["demo"]) == {("demo", "502"): 2}


def test_the_last_success_and_the_newest_run_are_per_source(sessions):
    with sessions.begin() as session:
        for name in SOURCES:
            source_store.ensure(session, name, "scripted")
        for hours, status in [(0, "success"), (1, "partial"), (2, "failed")]:
            run = start(session, "demo", T + timedelta(hours=hours), {})
            run_store.finish(session, run, status, T + timedelta(hours=hours, minutes=5))
        newest = start(session, "demo", T + timedelta(hours=3), {}).id

    with sessions() as session:
        assert run_store.last_success_by_source(session, SOURCES) == {
            "demo": T + timedelta(hours=1, minutes=5)
        }
        latest = run_store.latest_by_source(session, SOURCES)
    assert {name: run.id for name, run in latest.items()} == {"demo": newest}
