"""Metrics API latency at scale: p50 / p95 of every aggregate endpoint and `/metrics`.

Loads 100,000 tracked items (1,000,000 with --million) with realistic distributions straight
into a fresh SQLite file (and PostgreSQL when FOLLOWTHROUGH_BENCH_POSTGRES_URL is set; its
tables are emptied first) by bulk inserts of items, keys, owners, history and sync runs.
Then calls each endpoint through the real app in-process (TestClient) repeatedly and prints
p50 / p95 in ms and the ratio to a bare `SELECT count(*) FROM items` (the floor).

    .venv/bin/python bench/metrics.py [--million] [--repeats 15] [--no-sqlite]
    .venv/bin/python bench/metrics.py --existing URL   # migrate to head, re-measure
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import Session

from service.app import create_app
from service.clock import ManualClock
from service.config import ApiSettings, Settings, SourceSettings
from service.db import make_engine
from service.metrics.prometheus import ScrapeCache
from service.migrate import upgrade
from service.store import derived, run_metrics
from service.store.models import Base, HistoryEntry, Item, ItemKey, ItemOwner, Source, SyncRun
from tests.support.scripted import KIND_ASC, AscendingConnector, ScriptedConfig

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SOURCES = ("jira-prod", "github", "linear")
TYPES = ("prevention", "detection", "mitigation", "process")
CHUNK = 20_000
ENDPOINTS = (
    "/api/v1/metrics/summary",
    "/api/v1/metrics/summary?source=github&type=detection",
    "/api/v1/incidents",
    "/api/v1/incidents?none_closed=true",
    "/api/v1/owners",
    "/api/v1/trends",
    "/api/v1/trends?interval=month&from=2024-03-01",
    "/metrics",
)
PAST_ENDPOINTS = ("/api/v1/metrics/summary", "/api/v1/owners", "/api/v1/incidents")
"""Measured at an `as_of` 30 days back, where values come from the history."""


def generate(n: int, seed: int = 7) -> Iterator[tuple[dict, list[dict], list[dict], list[dict]]]:
    """(item, keys, owners, history) rows; ids are 1..n. Older items are mostly closed."""
    rng = random.Random(seed)
    people = [f"person-{i}" for i in range(400)]
    weights = [1 / (i + 1) ** 0.8 for i in range(len(people))]
    incidents = max(1, n // 4)
    for item_id in range(1, n + 1):
        created = NOW - timedelta(days=900 * rng.random() ** 1.5, minutes=rng.randint(0, 1440))
        age = (NOW - created).days
        closed = rng.random() < min(0.95, 0.2 + age / 200)
        state = (
            ("done" if rng.random() < 0.87 else "wont_do")
            if closed
            else rng.choices(("open", "in_progress", "blocked"), (6, 3, 1))[0]
        )
        resolved = None
        if closed:
            resolved = min(NOW, created + timedelta(days=rng.expovariate(1 / 20)))
        owners = [] if rng.random() < 0.15 else rng.choices(people, weights, k=1)
        if owners and rng.random() < 0.05:
            owners.append(rng.choice(people))
        due = None
        if rng.random() < 0.7:
            due = (created + timedelta(days=rng.randint(7, 60))).date()
        updated = resolved or min(NOW, created + timedelta(days=rng.expovariate(1 / 25)))
        removed = NOW - timedelta(days=rng.randint(1, 60)) if rng.random() < 0.02 else None
        source = rng.choices(SOURCES, (5, 3, 2))[0]
        key = f"ACT-{item_id}"
        item = {
            "id": item_id,
            "source": source,
            "external_id": str(item_id),
            "partition": "",
            "key": key,
            "previous_keys": [],
            "url": f"https://tracker.example/{key}",
            "title": f"Follow-up {item_id}: add alerting on queue depth",
            "state": state,
            "raw_status": state,
            "resolution": None,
            "type": rng.choice(TYPES) if rng.random() < 0.8 else None,
            "incident": f"INC-{rng.randint(1, incidents)}" if rng.random() < 0.9 else None,
            "owner": owners[0] if owners else None,
            "owners": owners,
            "priority": None,
            "due_date": due,
            "labels": ["incident-action"],
            "created_at": created,
            "updated_at": max(updated, created),
            "resolved_at": resolved,
            "removed_at": removed,
            "first_seen_at": created,
            "last_synced_at": NOW,
        }
        history = [
            _entry(item_id, created, "owner", None, item["owner"]),
            _entry(item_id, created, "due_date", None, due.isoformat() if due else None),
            _entry(item_id, created, "tracked", None, "true"),
        ]
        if closed and resolved is not None and resolved > created:
            history.append(_entry(item_id, created, "state", None, "open"))
            history.append(_entry(item_id, resolved, "state", "open", state))
        else:
            history.append(_entry(item_id, created, "state", None, state))
        if removed is not None:
            history.append(_entry(item_id, max(removed, created), "tracked", "true", "false"))
        keys = [{"item_id": item_id, "key": key}]
        owner_rows = [
            {"item_id": item_id, "position": i, "owner": o, "owner_lower": o.lower()}
            for i, o in enumerate(owners)
        ]
        yield item, keys, owner_rows, history


def _entry(item_id: int, at: datetime, field: str, before: str | None, after: str | None) -> dict:
    return {
        "item_id": item_id,
        "at": at,
        "field": field,
        "from_value": before,
        "to_value": after,
        "observed": False,
    }


def load(engine: Engine, n: int) -> float:
    """Empty the mirror, bulk-load n items and derive the rollup tables; returns seconds."""
    started = time.perf_counter()
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
        connection.execute(insert(Source), [{"name": s, "kind": KIND_ASC} for s in SOURCES])
        rng = random.Random(3)
        runs = []
        for i in range(5000):
            begun = NOW - timedelta(minutes=5 * i)
            runs.append(
                {
                    "source": SOURCES[i % 3],
                    "started_at": begun,
                    "finished_at": begun + timedelta(seconds=rng.expovariate(1 / 20)),
                    "status": rng.choices(("success", "partial", "failed"), (90, 7, 3))[0],
                    "request_statuses": {"200": rng.randint(1, 5), "304": rng.randint(0, 9)},
                    "error_details": [],
                }
            )
        connection.execute(insert(SyncRun), runs)
    batch: tuple[list, list, list, list] = ([], [], [], [])
    for rows in generate(n):
        for held, new in zip(batch, rows, strict=True):
            held.extend(new if isinstance(new, list) else [new])
        if len(batch[0]) >= CHUNK:
            _flush(engine, batch)
            batch = ([], [], [], [])
    _flush(engine, batch)
    with Session(engine) as session, session.begin():
        derived.rebuild(session)
        run_metrics.rebuild_counters(session)
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def _flush(engine: Engine, batch: tuple[list, list, list, list]) -> None:
    if not batch[0]:
        return
    with engine.begin() as connection:
        for model, rows in zip((Item, ItemKey, ItemOwner, HistoryEntry), batch, strict=True):
            if rows:
                connection.execute(insert(model), rows)


def timed(call: Callable[[], object], repeats: int) -> tuple[float, float]:
    """p50 and p95 in ms over `repeats` calls after one warm-up."""
    call()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.95 * len(samples)))]


def measure(engine: Engine, label: str, repeats: int) -> None:
    settings = Settings(
        database_url="sqlite://",
        api=ApiSettings(rate_limit=None),  # measures the endpoints, not the rate limiter
        sources=[
            SourceSettings(name=s, kind=KIND_ASC, connector=ScriptedConfig(name=s)) for s in SOURCES
        ],
    )
    clock = ManualClock(NOW)
    app = create_app(
        settings, engine=engine, clock=clock, connectors={KIND_ASC: AscendingConnector}
    )
    with TestClient(app) as client, engine.connect() as connection:
        floor, _ = timed(
            lambda: connection.execute(text("SELECT count(*) FROM items")).scalar(), repeats
        )
        print(f"\n{label}: floor SELECT count(*) FROM items p50 {floor:.1f} ms")
        print(f"{'endpoint':58} {'p50 ms':>8} {'p95 ms':>8} {'x floor':>8}")
        for path in ENDPOINTS:
            if path == "/metrics":
                app.state.scrape_cache = ScrapeCache(clock, ttl=timedelta(0))

            def call(path: str = path) -> None:
                response = client.get(path)
                assert response.status_code == 200, response.text

            p50, p95 = timed(call, repeats)
            suffix = " (uncached)" if path == "/metrics" else ""
            print(f"{path + suffix:58} {p50:8.1f} {p95:8.1f} {p50 / floor:8.1f}")
        app.state.scrape_cache = ScrapeCache(clock)
        p50, p95 = timed(lambda: client.get("/metrics"), repeats)
        print(f"{'/metrics (cached, 15 s)':58} {p50:8.1f} {p95:8.1f} {p50 / floor:8.1f}")
        p50, p95 = timed(lambda: every_incident(client), max(1, repeats // 5))
        label = "/api/v1/incidents (every page, following next_cursor)"
        print(f"{label:58} {p50:8.1f} {p95:8.1f} {p50 / floor:8.1f}")
        past = "?as_of=" + (NOW - timedelta(days=30)).date().isoformat()
        for path in PAST_ENDPOINTS:

            def call_past(path: str = path + past) -> None:
                response = client.get(path)
                assert response.status_code == 200, response.text

            p50, p95 = timed(call_past, max(3, repeats // 5))
            print(f"{path + past:58} {p50:8.1f} {p95:8.1f} {p50 / floor:8.1f}")


def every_incident(client: TestClient) -> int:
    """Walks every page of `/api/v1/incidents`; returns how many incidents there are."""
    found, cursor = 0, None
    while True:
        params = {"cursor": cursor} if cursor else {}
        page = client.get("/api/v1/incidents", params=params).json()
        found += len(page["incidents"])
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--million", action="store_true", help="1,000,000 items, not 100,000")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument(
        "--existing", metavar="URL", help="measure a database an earlier run loaded; no load"
    )
    args = parser.parse_args()
    if args.existing:
        engine = make_engine(args.existing)
        started = time.perf_counter()
        upgrade(engine)  # a newer migration backfills its derived tables here
        print(f"migrated to head in {time.perf_counter() - started:.1f} s")
        measure(engine, f"existing {engine.url.render_as_string(hide_password=True)}", args.repeats)
        return
    n = 1_000_000 if args.million else 100_000
    targets: list[tuple[str, str]] = []
    if not args.no_sqlite:
        path = Path(tempfile.mkdtemp()) / "bench.db"
        targets.append((f"SQLite, {n:,} items", f"sqlite:///{path}"))
    postgres = os.environ.get("FOLLOWTHROUGH_BENCH_POSTGRES_URL")
    if postgres:
        targets.append((f"PostgreSQL, {n:,} items", postgres))
    for label, url in targets:
        engine = make_engine(url)
        upgrade(engine)
        seconds = load(engine, n)
        print(f"{label}: loaded in {seconds:.0f} s (as of {date.isoformat(NOW.date())})")
        measure(engine, label, args.repeats)
        engine.dispose()


if __name__ == "__main__":
    main()
