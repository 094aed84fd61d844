"""The sync runner: one pass of one source, page by page, each page committed with its cursor.

A crash replays at most the page in flight; an older replay never overwrites a newer
row; a per-item problem is recorded in the run and skipped while the rest lands.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from connectors.base import Connector, Context, ItemError, ItemRef, Page
from connectors.errors import AuthError, ConfigError, ConnectorError, RateLimited
from service.clock import Clock
from service.config import SourceSettings
from service.redaction import RedactingFilter, secrets_in
from service.store import items as item_store
from service.store import runs as run_store
from service.store import sources as source_store
from service.store import sync_state
from service.sync.owner import current_owner, is_other_live_process

log = logging.getLogger(__name__)

MAX_ERROR_DETAILS = 50


class SyncAlreadyRunning(Exception):
    """The source has a live run open; a second one is refused."""

    def __init__(self, source: str, run_id: int) -> None:
        super().__init__(f"a sync of {source!r} is already running (run {run_id})")
        self.source = source
        self.run_id = run_id


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
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._connectors = connectors
        self._open_lock = threading.Lock()
        self._active: set[int] = set()

    def open_run(self, source: SourceSettings, *, full: bool = False) -> int:
        """Record a new `running` run and return its id (the API answers with it at once).

        Raises SyncAlreadyRunning while another live run of the source is open; a run
        left open by a process that died is closed as interrupted first.
        """
        with self._open_lock, self._sessions.begin() as session:
            source_store.ensure(session, source.name, source.kind)
            now = self._clock.now()
            current = run_store.running(session, source.name)
            if current is not None:
                if current.id in self._active or is_other_live_process(current.owner):
                    raise SyncAlreadyRunning(source.name, current.id)
                run_store.interrupt(current, now)
            run = run_store.start(session, source.name, now, full=full, owner=current_owner())
            self._active.add(run.id)
            return run.id

    def sync(self, source: SourceSettings, *, full: bool = False) -> RunResult:
        """Open a run for `source` and carry it out."""
        return self.run(self.open_run(source, full=full), source, full=full)

    def run(
        self,
        run_id: int,
        source: SourceSettings,
        *,
        full: bool = False,
        reconcile: bool = True,
    ) -> RunResult:
        """Carry out an opened run: pages with their history, then reconciliation."""
        with self._sessions() as session:
            if run_store.get(session, run_id) is None:
                raise LookupError(f"sync run {run_id} does not exist")
        try:
            return self._carry_out(run_id, source, full=full, reconcile=reconcile)
        finally:
            self._active.discard(run_id)

    def _carry_out(
        self, run_id: int, source: SourceSettings, *, full: bool, reconcile: bool
    ) -> RunResult:
        tally = RequestTally()
        progress = _Progress()
        redact = RedactingFilter(secrets_in(source.connector)).redact
        connector: Connector | None = None
        try:
            connector = self._connectors[source.kind](
                source.connector, connector_context(self._clock, tally)
            )
            if full:
                with self._sessions.begin() as session:
                    sync_state.clear(session, source.name)
            seen = self._pages(run_id, source.name, connector, tally, progress, full)
            if reconcile:
                progress.removed = self._reconcile(source.name, connector, seen)
            status = "partial" if progress.item_errors else "success"
            return self._finish(run_id, tally, progress, status)
        except RateLimited as error:
            wait = _retry_at(error, self._clock.now())
            message = redact(_describe(error))
            return self._finish(
                run_id, tally, progress, "rate_limited", message, "rate_limited", wait
            )
        except (AuthError, ConfigError) as error:
            message = redact(_describe(error))
            return self._finish(run_id, tally, progress, "failed", message, "misconfigured")
        except ConnectorError as error:
            message = redact(_describe(error))
            return self._finish(run_id, tally, progress, "failed", message, "tracker")
        except Exception as error:
            log.exception("sync of %s failed unexpectedly", source.name)
            message = redact(_describe(error))
            return self._finish(run_id, tally, progress, "failed", message, "internal")
        finally:
            if connector is not None:
                connector.close()

    def _pages(
        self,
        run_id: int,
        source: str,
        connector: Connector,
        tally: RequestTally,
        progress: _Progress,
        full: bool,
    ) -> set[str]:
        """Commit each page with its items' tracker history and its new state, all at once.

        History is fetched before the page's transaction opens (no network call holds a
        write lock), so a crash never leaves committed items without their history.
        Returns the external ids seen.
        """
        with self._sessions() as session:
            state = sync_state.load(session, source)
        seen: set[str] = set()
        for page in _checked(connector.fetch_changed(state, full=full)):
            with self._sessions() as session:
                wanted = item_store.history_candidates(session, source, page.items)
            refs = sorted({ItemRef.of(i) for i in page.items if i.external_id in wanted}, key=_id)
            changes = list(connector.fetch_history(refs)) if refs else []
            with self._sessions.begin() as session:
                changed = item_store.apply_page(session, source, page.items, self._clock.now())
                item_store.replace_history(session, source, changes)
                sync_state.save(session, source, page.partition, page.state)
                progress.add_page(page, changed)
                _record_progress(session, run_id, tally, progress)
            seen.update(item.external_id for item in page.items)
        return seen

    def _reconcile(self, source: str, connector: Connector, seen: set[str]) -> int:
        """Ask the connector about every tracked item this run did not see; mark the gone."""
        with self._sessions() as session:
            held = [
                r for r in item_store.tracked_refs(session, source) if r.external_id not in seen
            ]
        if not held:
            return 0
        removals = list(connector.reconcile(held))
        with self._sessions.begin() as session:
            return item_store.mark_removed(
                session, source, [r.external_id for r in removals], self._clock.now()
            )

    def _finish(
        self,
        run_id: int,
        tally: RequestTally,
        progress: _Progress,
        status: str,
        message: str | None = None,
        error_kind: str | None = None,
        retry_at: datetime | None = None,
    ) -> RunResult:
        with self._sessions.begin() as session:
            run = run_store.get(session, run_id)
            assert run is not None
            _record_progress(session, run_id, tally, progress)
            run.status = status
            run.finished_at = self._clock.now()
            run.items_removed = progress.removed
            run.error = message
            run.error_kind = error_kind
            run.retry_at = retry_at
        return RunResult(
            run_id=run_id,
            status=status,
            items_seen=progress.items_seen,
            items_changed=progress.items_changed,
            item_errors=progress.item_errors,
            items_removed=progress.removed,
            requests=tally.total,
            error=message,
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
        self.item_errors += len(page.errors)
        room = MAX_ERROR_DETAILS - len(self.error_details)
        self.error_details += [_describe_item_error(e) for e in page.errors[:room]]


def _record_progress(
    session: Session, run_id: int, tally: RequestTally, progress: _Progress
) -> None:
    run = run_store.get(session, run_id)
    assert run is not None
    run.items_seen = progress.items_seen
    run.items_changed = progress.items_changed
    run.item_errors = progress.item_errors
    run.error_details = list(progress.error_details)
    run.requests = tally.total
    run.request_statuses = {str(code): n for code, n in sorted(tally.by_status.items())}


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
