"""The sync runner: one pass of one source, page by page, each page committed with its cursor.

A run holds its source's lease; each page commits only while the lease's fence is still
this run's, renewing it. A crash replays at most the page in flight; an older replay never
overwrites a newer row; a per-item problem is recorded in the run and skipped while the
rest lands. After each page, the items it newly closed as wont_do have the reason for
that decision searched (`service.sync.decisions`). `stop()` ends running syncs after their
current page. An optional `on_progress` callback sees a `SyncProgress` snapshot as each run
starts, commits a page, waits (a rate limit or retry back-off), reconciles and finishes.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from connectors.base import Connector, Context, ItemError, ItemRef, Page
from connectors.errors import AuthError, ConfigError, ConnectorError, RateLimited
from connectors.item import ItemState
from service.clock import Clock
from service.config import SourceSettings
from service.redaction import RedactingFilter, secrets_in
from service.store import items as item_store
from service.store import leases as lease_store
from service.store import runs as run_store
from service.store import sources as source_store
from service.store import sync_state
from service.store.leases import Held, StaleFence
from service.sync.decisions import settle, window_of
from service.sync.owner import new_owner

log = logging.getLogger(__name__)

MAX_ERROR_DETAILS = 50
DECISION_BATCH = 100
"""Wont_do items whose reasons one `fetch_comments` call searches (the sweep's batch)."""
DEFAULT_LEASE_TTL = timedelta(minutes=2)
INTERRUPTED = "interrupted"


class SyncAlreadyRunning(Exception):
    """The source's lease is held (by this or another process); a second run is refused."""

    def __init__(self, source: str, run_id: int | None) -> None:
        which = f" (run {run_id})" if run_id is not None else ""
        super().__init__(f"a sync of {source!r} is already running{which}")
        self.source = source
        self.run_id = run_id


class RunStopped(Exception):
    """The runner was told to stop: the run ends after its last committed page."""


@dataclass(frozen=True)
class RunResult:
    """The outcome of one run, as recorded in the sync-runs table."""

    run_id: int
    status: str
    items_seen: int
    items_changed: int
    item_errors: int
    items_removed: int
    requests: int
    error: str | None
    retry_at: datetime | None = None


class Phase(StrEnum):
    """Where a run is, as a progress display shows it."""

    LISTING = "listing"
    WAITING = "waiting"
    RECONCILING = "reconciling"
    DONE = "done"


@dataclass(frozen=True)
class SyncProgress:
    """A snapshot of one run for a progress display: pages committed, items seen, requests
    sent, and the waits a connector slept (rate limits and retry back-offs)."""

    source: str
    phase: Phase
    pages: int
    items_seen: int
    items_changed: int
    requests: int
    waits: int
    waited_seconds: float
    status: str | None = None


ProgressCallback = Callable[[SyncProgress], None]


class RequestTally:
    """Counts tracker requests by status code for the run record."""

    def __init__(self) -> None:
        self.by_status: Counter[int] = Counter()

    def __call__(self, status_code: int) -> None:
        self.by_status[status_code] += 1

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def connector_context(clock: Clock, tally: RequestTally) -> Context:
    """The time, sleep and request accounting lent to a connector for one run."""
    return Context(clock=clock.now, sleep=clock.sleep, on_request=tally)


class SyncRunner:
    """Runs sync passes; owns the transaction boundaries of the mirror's writes."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        connectors: Mapping[str, type[Connector]],
        *,
        lease_ttl: timedelta = DEFAULT_LEASE_TTL,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._connectors = connectors
        self._lease_ttl = lease_ttl
        self._on_progress = on_progress
        self._owner = new_owner()
        self._leases: dict[int, Held] = {}
        self._stopping = threading.Event()

    @property
    def owner(self) -> str:
        """The name this runner's leases and runs carry."""
        return self._owner

    def stop(self) -> None:
        """Ask running syncs to end after their current page (commit, release the lease)."""
        self._stopping.set()

    def open_run(self, source: SourceSettings, *, full: bool = False) -> int:
        """Claim the source's lease and record a new `running` run; returns its id (the API
        answers with it at once).

        Raises SyncAlreadyRunning while the lease is held. Runs left open by a process
        whose lease lapsed (one that died) are closed as interrupted.
        """
        self._ensure_source(source)
        with self._sessions.begin() as session:
            held = lease_store.claim(session, source.name, self._owner, self._lease_ttl)
            if held is None:
                current = run_store.running(session, source.name)
                raise SyncAlreadyRunning(source.name, current[-1].id if current else None)
            now = self._clock.now()  # after the claim: later than the last holder's finish
            for orphan in run_store.running(session, source.name):
                run_store.interrupt(session, orphan, now)
            run = run_store.start(session, source.name, now, full=full, owner=self._owner)
        self._leases[run.id] = held
        return run.id

    def sync(
        self, source: SourceSettings, *, full: bool = False, reconcile: bool = True
    ) -> RunResult:
        """Open a run for `source` and carry it out."""
        return self.run(self.open_run(source, full=full), source, full=full, reconcile=reconcile)

    def run(
        self,
        run_id: int,
        source: SourceSettings,
        *,
        full: bool = False,
        reconcile: bool = True,
    ) -> RunResult:
        """Carry out a run this runner opened: pages with their history, then (when asked)
        reconciliation; the lease is released at the end."""
        held = self._leases.get(run_id)
        if held is None:
            raise LookupError(f"sync run {run_id} was not opened by this runner")
        try:
            return self._carry_out(_Run(run_id, held, source), full=full, reconcile=reconcile)
        finally:
            del self._leases[run_id]

    def _ensure_source(self, source: SourceSettings) -> None:
        """Create the source row; a replica creating it at the same moment is fine."""
        try:
            with self._sessions.begin() as session:
                source_store.ensure(session, source.name, source.kind)
        except IntegrityError:
            log.debug("source %s was created concurrently", source.name)

    def _carry_out(self, run: _Run, *, full: bool, reconcile: bool) -> RunResult:
        source = run.source
        redact = RedactingFilter(secrets_in(source.connector)).redact
        connector: Connector | None = None
        try:
            self._report(run, Phase.LISTING)
            context = connector_context(self._clock, run.tally)
            if self._on_progress is not None:
                context = replace(context, sleep=self._observed_sleep(run))
            connector = self._connectors[source.kind](source.connector, context)
            if full:
                with self._sessions.begin() as session:
                    lease_store.renew(session, run.held, self._lease_ttl)
                    sync_state.clear(session, source.name)
            seen = self._pages(run, connector, full)
            self._decide(run, connector, None)
            if reconcile:
                self._stop_point(run)
                self._report(run, Phase.RECONCILING)
                run.progress.removed = self._reconcile(run, connector, seen)
            status = "partial" if run.progress.item_errors else "success"
            return self._finish(run, status, reconciled=reconcile)
        except RateLimited as error:
            wait = _retry_at(error, self._clock.now())
            message = redact(_describe(error))
            return self._finish(run, "rate_limited", message, "rate_limited", retry_at=wait)
        except (AuthError, ConfigError) as error:
            return self._finish(run, "failed", redact(_describe(error)), "misconfigured")
        except ConnectorError as error:
            return self._finish(run, "failed", redact(_describe(error)), "tracker")
        except (StaleFence, RunStopped) as error:
            return self._finish(run, "failed", f"{INTERRUPTED}: {error}", INTERRUPTED)
        except KeyboardInterrupt:
            self._finish(run, "failed", f"{INTERRUPTED}: stopped by the user", INTERRUPTED)
            raise
        except Exception as error:
            log.exception("sync of %s failed unexpectedly", source.name)
            return self._finish(run, "failed", redact(_describe(error)), "internal")
        finally:
            if connector is not None:
                connector.close()

    def _report(self, run: _Run, phase: Phase, status: str | None = None) -> None:
        """Tell the progress callback, if any, where the run is."""
        if self._on_progress is not None:
            self._on_progress(run.snapshot(phase, status))

    def _observed_sleep(self, run: _Run) -> Callable[[float], None]:
        """The clock's sleep, counted and reported as a wait before it starts."""

        def sleep(seconds: float) -> None:
            run.waits += 1
            run.waited += seconds
            self._report(run, Phase.WAITING)
            self._clock.sleep(seconds)
            self._report(run, Phase.LISTING)

        return sleep

    def _stop_point(self, run: _Run) -> None:
        """Between pages: end the run here when the runner is stopping."""
        if self._stopping.is_set():
            raise RunStopped(
                f"the process stopped after {run.pages} committed page(s); "
                "the next run resumes from there"
            )

    def _pages(self, run: _Run, connector: Connector, full: bool) -> set[str]:
        """Commit each page with its items' tracker history and its new state, all at once,
        after checking (and renewing) the lease's fence in the same transaction.

        History is fetched before the page's transaction opens (no network call holds a
        write lock), so a crash never leaves committed items without their history.
        Returns the external ids seen.
        """
        source = run.source.name
        with self._sessions() as session:
            state = sync_state.load(session, source)
        seen: set[str] = set()
        for page in _checked(connector.fetch_changed(state, full=full)):
            with self._sessions() as session:
                wanted = item_store.history_candidates(session, source, page.items)
            refs = sorted({ItemRef.of(i) for i in page.items if i.external_id in wanted}, key=_id)
            changes = list(connector.fetch_history(refs)) if refs else []
            with self._sessions.begin() as session:
                lease_store.renew(session, run.held, self._lease_ttl)
                changed = item_store.apply_page(session, source, page.items, self._clock.now())
                item_store.replace_history(session, source, changes)
                sync_state.save(session, source, page.partition, page.state)
                run.progress.add_page(page, changed)
                _record_progress(session, run)
            run.pages += 1
            self._report(run, Phase.LISTING)
            seen.update(item.external_id for item in page.items)
            closed = {i.external_id for i in page.items if i.state is ItemState.WONT_DO}
            self._decide(run, connector, closed)
            self._stop_point(run)
        return seen

    def _decide(
        self, run: _Run, connector: Connector, external_ids: Collection[str] | None
    ) -> None:
        """Search the reasons of wont_do items still without one: the page's items, or
        (None) every such item of the source this run has not searched yet.

        Runs after the page committed, so no network call holds a write lock; an item
        committed without its search stays pending and a later pass picks it up. A
        tracker error other than a rate limit becomes an item error for each item of the
        batch, which is searched again next sync; a rate limit ends the run as usual.
        """
        source = run.source.name
        with self._sessions() as session:
            pending = item_store.pending_decisions(session, source, external_ids)
        pending = [p for p in pending if p.ref.external_id not in run.searched]
        for start in range(0, len(pending), DECISION_BATCH):
            batch = pending[start : start + DECISION_BATCH]
            run.searched.update(p.ref.external_id for p in batch)
            try:
                comments = list(connector.fetch_comments([window_of(p) for p in batch]))
            except RateLimited:
                raise
            except ConnectorError as error:
                message = f"comments not fetched: {_describe(error)}"
                run.progress.add_errors(
                    [ItemError(message, p.ref.external_id, p.ref.key) for p in batch]
                )
                comments = None
            with self._sessions.begin() as session:
                lease_store.renew(session, run.held, self._lease_ttl)
                if comments is not None:
                    now = self._clock.now()
                    outcome = settle(batch, comments, now)
                    item_store.record_decisions(
                        session, source, outcome.found, outcome.settled, now
                    )
                _record_progress(session, run)

    def _reconcile(self, run: _Run, connector: Connector, seen: set[str]) -> int:
        """Ask the connector about every tracked item this run did not see; mark the gone."""
        source = run.source.name
        with self._sessions() as session:
            held = [
                r for r in item_store.tracked_refs(session, source) if r.external_id not in seen
            ]
        if not held:
            return 0
        removals = list(connector.reconcile(held))
        with self._sessions.begin() as session:
            lease_store.renew(session, run.held, self._lease_ttl)
            return item_store.mark_removed(
                session, source, [r.external_id for r in removals], self._clock.now()
            )

    def _finish(
        self,
        run: _Run,
        status: str,
        message: str | None = None,
        error_kind: str | None = None,
        *,
        retry_at: datetime | None = None,
        reconciled: bool = False,
    ) -> RunResult:
        """Record the outcome and release the lease in one transaction. A run whose lease
        passed to another writes nothing: the new holder already closed its record."""
        run_id, progress, tally = run.run_id, run.progress, run.tally
        with self._sessions.begin() as session:
            if not lease_store.release(session, run.held):
                log.warning(
                    "sync run %d of %s lost its lease before it finished", run_id, run.source.name
                )
                self._report(run, Phase.DONE, status)
                return run.result(status, message)
            _record_progress(session, run)
            record = run_store.get(session, run_id)
            assert record is not None
            record.items_removed = progress.removed
            record.error = message
            record.error_kind = error_kind
            record.retry_at = retry_at
            record.reconciled = reconciled
            finished = self._clock.now()
            run_store.finish(session, record, status, finished)
            log.log(  # the run's one log line (JSON: one object with these fields)
                logging.INFO if status in ("success", "partial") else logging.WARNING,
                "sync run %d of %s: %s (seen %d, changed %d, item errors %d, requests %d)",
                run_id,
                record.source,
                status,
                progress.items_seen,
                progress.items_changed,
                progress.item_errors,
                tally.total,
                extra={
                    "event": "sync_run",
                    "source": record.source,
                    "run_id": run_id,
                    "status": status,
                    "duration_s": (finished - record.started_at).total_seconds(),
                    "items_seen": progress.items_seen,
                    "items_changed": progress.items_changed,
                    "item_errors": progress.item_errors,
                    "items_removed": progress.removed,
                    "requests": tally.total,
                    "error": message,
                },
            )
        self._report(run, Phase.DONE, status)
        return run.result(status, message, retry_at)


class _Run:
    """One run in progress: its id, lease, source, and running totals."""

    def __init__(self, run_id: int, held: Held, source: SourceSettings) -> None:
        self.run_id = run_id
        self.held = held
        self.source = source
        self.tally = RequestTally()
        self.progress = _Progress()
        self.pages = 0
        self.waits = 0
        self.waited = 0.0
        self.searched: set[str] = set()
        """Items whose decision this run searched already (each is searched once a run)."""

    def snapshot(self, phase: Phase, status: str | None) -> SyncProgress:
        progress = self.progress
        return SyncProgress(
            source=self.source.name,
            phase=phase,
            pages=self.pages,
            items_seen=progress.items_seen,
            items_changed=progress.items_changed,
            requests=self.tally.total,
            waits=self.waits,
            waited_seconds=self.waited,
            status=status,
        )

    def result(self, status: str, error: str | None, retry_at: datetime | None = None) -> RunResult:
        progress = self.progress
        return RunResult(
            run_id=self.run_id,
            status=status,
            items_seen=progress.items_seen,
            items_changed=progress.items_changed,
            item_errors=progress.item_errors,
            items_removed=progress.removed,
            requests=self.tally.total,
            error=error,
            retry_at=retry_at,
        )


class _Progress:
    """Running totals of one run."""

    def __init__(self) -> None:
        self.items_seen = 0
        self.items_changed = 0
        self.item_errors = 0
        self.removed = 0
        self.error_details: list[str] = []

    def add_page(self, page: Page, changed: int) -> None:
        self.items_seen += len(page.items)
        self.items_changed += changed
        self.add_errors(page.errors)

    def add_errors(self, errors: Sequence[ItemError]) -> None:
        self.item_errors += len(errors)
        room = MAX_ERROR_DETAILS - len(self.error_details)
        self.error_details += [_describe_item_error(e) for e in errors[:room]]


def _record_progress(session: Session, run: _Run) -> None:
    progress, tally = run.progress, run.tally
    record = run_store.get(session, run.run_id)
    assert record is not None
    record.items_seen = progress.items_seen
    record.items_changed = progress.items_changed
    record.item_errors = progress.item_errors
    record.error_details = list(progress.error_details)
    record.requests = tally.total
    record.request_statuses = {str(code): n for code, n in sorted(tally.by_status.items())}


def _id(ref: ItemRef) -> str:
    return ref.external_id


def _checked(pages: Iterator[Page]) -> Iterator[Page]:
    """Pass pages through, refusing ones whose items belong to no partition named."""
    for page in pages:
        if not page.partition:
            raise ConnectorError("connector yielded a page without a partition name")
        yield page


def _describe_item_error(error: ItemError) -> str:
    who = error.key or error.external_id or "an item"
    return f"{who}: {error.message}"


def _describe(error: BaseException) -> str:
    if isinstance(error, ConnectorError):
        return str(error)
    return f"internal error: {type(error).__name__}: {error}"


def _retry_at(error: RateLimited, now: datetime) -> datetime:
    if error.retry_after is not None:
        return now + timedelta(seconds=error.retry_after)
    if error.reset_at is not None:
        return max(now, error.reset_at)
    return now + timedelta(minutes=1)
