"""The `/metrics` exposition (CONTRACT §6): gauges of the mirror at now and counters of the
sync-runs table, rendered in Prometheus text format 0.0.4 and cached for a short interval.

Rendered here rather than with `prometheus_client`: every value comes from grouped SQL at
scrape time, so there is no in-process registry to keep, and the format needs a few lines.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from service.clock import Clock
from service.metrics.definitions import ALL_STATES
from service.metrics.params import DEFAULT_WINDOW
from service.store import metric_queries, run_metrics
from service.store import runs as run_store
from service.store.item_queries import ItemScope
from service.store.run_metrics import DURATION_BUCKETS

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
SCRAPE_TTL = timedelta(seconds=15)

Labels = dict[str, str]


@dataclass
class Family:
    """One metric family: name, type, help and its samples (suffix, labels, value)."""

    name: str
    kind: str
    help: str
    samples: list[tuple[str, Labels, float]] = field(default_factory=list)

    def add(self, labels: Labels, value: float, suffix: str = "") -> None:
        self.samples.append((suffix, labels, value))


def families(session: Session, scope: ItemScope, now: datetime) -> list[Family]:
    """Every family of CONTRACT §6 for the configured sources, computed at `now`."""
    sources = list(scope.sources)
    figures = metric_queries.source_figures(
        session, sources, now, scope.stale_after_days, now - DEFAULT_WINDOW
    )
    items = Family("followthrough_items", "gauge", "Tracked items by normalised state")
    overdue = Family("followthrough_overdue_items", "gauge", "Active items past their due date")
    stale = Family("followthrough_stale_items", "gauge", "Active items not updated recently")
    oldest = Family(
        "followthrough_oldest_active_age_seconds", "gauge", "Age of the oldest active item"
    )
    completion = Family(
        "followthrough_completion_rate",
        "gauge",
        "Done / (created - wont_do) over items created in the last 90 days",
    )
    for source in sources:
        found = figures.get(source)
        for state in ALL_STATES:
            items.add({"source": source, "state": state}, found.states[state] if found else 0)
        overdue.add({"source": source}, found.overdue if found else 0)
        stale.add({"source": source}, found.stale if found else 0)
        if found and found.oldest_active_created_at is not None:
            age = (now - found.oldest_active_created_at).total_seconds()
            oldest.add({"source": source}, age)
        if found and found.cohort - found.cohort_wont_do > 0:
            rate = found.cohort_done / (found.cohort - found.cohort_wont_do)
            completion.add({"source": source}, rate)
    return [items, overdue, stale, oldest, completion, *_sync_families(session, sources)]


def _sync_families(session: Session, sources: Sequence[str]) -> list[Family]:
    last = Family(
        "followthrough_sync_last_success_timestamp_seconds",
        "gauge",
        "When the last successful (or partial) sync finished, Unix time",
    )
    for source, finished in sorted(run_store.last_success_by_source(session, sources).items()):
        last.add({"source": source}, finished.timestamp())
    runs = Family("followthrough_sync_runs_total", "counter", "Finished sync runs by status")
    ended = run_metrics.finished_runs(session, sources)
    counted = ended.by_status
    for source in sources:
        for status in run_metrics.FINISHED_STATUSES:
            runs.add({"source": source, "status": status}, counted.get((source, status), 0))
    durations = Family(
        "followthrough_sync_duration_seconds", "histogram", "Duration of finished sync runs"
    )
    measured = ended.durations
    for source in sources:
        held = measured.get(source)
        for bound in DURATION_BUCKETS:
            count = held.buckets[bound] if held else 0
            durations.add({"source": source, "le": repr(bound)}, count, "_bucket")
        total = held.count if held else 0
        durations.add({"source": source, "le": "+Inf"}, total, "_bucket")
        durations.add({"source": source}, held.total_seconds if held else 0.0, "_sum")
        durations.add({"source": source}, total, "_count")
    requests = Family(
        "followthrough_tracker_requests_total", "counter", "Tracker HTTP requests by status code"
    )
    for (source, code), n in sorted(run_metrics.requests_by_status(session, sources).items()):
        requests.add({"source": source, "status_code": code}, n)
    return [last, runs, durations, requests]


def render(found: Iterable[Family]) -> str:
    """Prometheus text format 0.0.4."""
    lines: list[str] = []
    for family in found:
        lines.append(f"# HELP {family.name} {family.help}")
        lines.append(f"# TYPE {family.name} {family.kind}")
        for suffix, labels, value in family.samples:
            shown = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
            lines.append(f"{family.name}{suffix}{{{shown}}} {_number(value)}")
    return "\n".join(lines) + "\n"


class ScrapeCache:
    """Keeps the last rendered exposition for `ttl`, so frequent scrapes (several
    Prometheus servers, replicas behind one target) cost one computation per interval."""

    def __init__(self, clock: Clock, ttl: timedelta = SCRAPE_TTL) -> None:
        self._clock = clock
        self._ttl = ttl
        self._lock = threading.Lock()
        self._held: tuple[datetime, str] | None = None

    def get(self, compute: Callable[[datetime], str]) -> str:
        """The cached text while fresh, else `compute(now)` (computed by one caller)."""
        with self._lock:
            now = self._clock.now()
            if self._held is not None and now - self._held[0] < self._ttl:
                return self._held[1]
            text = compute(now)
            self._held = (now, text)
            return text


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
