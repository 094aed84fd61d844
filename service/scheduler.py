"""The scheduler: one APScheduler interval job per source; each poll syncs through the lease.

APScheduler 3 is only this process's ticker (it cannot share a job store between
processes); the source's lease in the database decides which replica syncs. Each source
has its own worker thread, so a hanging source never delays another. Polls reconcile only
every `reconcile_interval`; a source left `rate_limited` waits for its `retry_at`.
"""

from __future__ import annotations

import logging
import random
import signal
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from connectors.base import Connector
from service.clock import Clock, SystemClock
from service.config import Settings, SourceSettings
from service.db import make_session_factory
from service.store import runs as run_store
from service.store.models import SyncRun
from service.sync.runner import RunResult, SyncAlreadyRunning, SyncRunner

log = logging.getLogger(__name__)

MAX_JITTER = timedelta(seconds=30)


class Scheduler:
    """Polls every configured source on its own interval until stopped."""

    def __init__(
        self,
        settings: Settings,
        runner: SyncRunner,
        sessions: sessionmaker[Session],
        clock: Clock,
    ) -> None:
        self._runner = runner
        self._sessions = sessions
        self._clock = clock
        self._reconcile_interval = settings.reconcile_interval
        self._ticker = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max(1, len(settings.sources)))},
            timezone=UTC,
        )
        first = datetime.now(UTC)
        for source in settings.sources:
            jitter = jitter_for(source.poll_interval)
            self._ticker.add_job(
                self.poll,
                IntervalTrigger(seconds=source.poll_interval.total_seconds(), jitter=jitter),
                args=[source],
                id=source.name,
                name=f"sync {source.name}",
                next_run_time=first + timedelta(seconds=random.uniform(0, jitter)),  # noqa: S311
                coalesce=True,  # polls missed while busy or asleep run once
                max_instances=1,
                misfire_grace_time=None,  # a late poll still runs
            )

    def start(self) -> None:
        """Start polling in background threads."""
        self._ticker.start()

    def stop(self) -> None:
        """Stop polling: running syncs end after their current page, commit and release
        their lease; returns when they have."""
        self._runner.stop()
        if self._ticker.running:
            self._ticker.shutdown(wait=True)

    def jobs(self) -> dict[str, Job]:
        """Each source's job, by source name."""
        return {job.id: job for job in self._ticker.get_jobs()}

    def next_run_at(self, source: str) -> datetime | None:
        """When this process next polls `source` (None for an unknown source)."""
        job = self._ticker.get_job(source)
        when: datetime | None = None if job is None else job.next_run_time
        return when

    def poll(self, source: SourceSettings) -> RunResult | None:
        """One scheduled poll: sync unless rate limited or held elsewhere; None when skipped."""
        now = self._clock.now()
        try:
            with self._sessions() as session:
                latest = run_store.latest_by_source(session, [source.name]).get(source.name)
                reconciled_at = run_store.last_reconciled_at(session, source.name)
            waiting = retry_pending(latest, now)
            if waiting is not None:
                self._move(source.name, waiting)
                return None
            reconcile = reconcile_due(reconciled_at, now, self._reconcile_interval)
            result = self._runner.sync(source, reconcile=reconcile)
        except SyncAlreadyRunning:
            log.debug("%s is being synced elsewhere; skipped", source.name)
            return None
        except SQLAlchemyError:
            log.warning("poll of %s could not use the database", source.name, exc_info=True)
            return None
        if result.status == "rate_limited" and result.retry_at is not None:
            self._move(source.name, result.retry_at)
        return result

    def _move(self, source: str, when: datetime) -> None:
        """Make the source's next poll `when` (its interval continues from there)."""
        self._ticker.modify_job(source, next_run_time=when)
        log.info("%s is rate limited; next poll at %s", source, when.isoformat())


def jitter_for(interval: timedelta) -> float:
    """Random delay added to each poll (a tenth of the interval, at most 30 s), so replicas
    and sources spread out."""
    return min(interval / 10, MAX_JITTER).total_seconds()


def reconcile_due(last: datetime | None, now: datetime, interval: timedelta) -> bool:
    """A poll reconciles when no run has reconciled within `interval`."""
    return last is None or now - last >= interval


def retry_pending(latest: SyncRun | None, now: datetime) -> datetime | None:
    """The tracker's reset time while the source's last run was rate limited and it is
    still ahead, else None."""
    if latest is None or latest.status != "rate_limited" or latest.retry_at is None:
        return None
    return latest.retry_at if latest.retry_at > now else None


def run_until_signalled(
    engine: Engine, settings: Settings, connectors: Mapping[str, type[Connector]]
) -> None:
    """`followthrough scheduler`: poll until SIGTERM or SIGINT, then stop gracefully."""
    clock = SystemClock()
    sessions = make_session_factory(engine)
    runner = SyncRunner(sessions, clock, connectors, lease_ttl=settings.lease_ttl)
    scheduler = Scheduler(settings, runner, sessions, clock)
    stopping = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s; finishing the current pages", signal.Signals(signum).name)
        stopping.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, request_stop)
    scheduler.start()
    log.info("scheduler polling %d source(s)", len(settings.sources))
    stopping.wait()
    scheduler.stop()
    log.info("scheduler stopped")
