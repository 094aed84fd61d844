"""Mirror write speed: the runner's page upsert against a raw executemany floor.

Prints rows/s for inserting and re-applying (updating) 100-item pages through
service.store.items.apply_page on SQLite (and PostgreSQL when
FOLLOWTHROUGH_BENCH_POSTGRES_URL is set), next to a raw INSERT ... ON CONFLICT
executemany of the same rows into a bare table on the same database: the floor. Medians
of several repeats; the ratio is what to watch on a noisy machine.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, text

from connectors.item import Item, ItemState
from service.db import make_engine, make_session_factory
from service.migrate import upgrade
from service.store import items as item_store
from service.store import sources as source_store
from service.store.models import Base

PAGE = 100
ROWS = 5_000
REPEATS = 5
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def make_items(n: int, shift: int = 0) -> list[Item]:
    return [
        Item(
            external_id=f"id-{i}",
            key=f"OPS-{i}",
            url=f"https://jira.example/browse/OPS-{i}",
            title=f"Add an alert for queue depth #{i}",
            state=ItemState.OPEN if i % 3 else ItemState.IN_PROGRESS,
            raw_status="To Do",
            created_at=T0 + timedelta(minutes=i),
            updated_at=T0 + timedelta(minutes=i + shift),
            owners=(f"owner-{i % 17}",),
            labels=("incident-action", f"incident:INC-{i % 50}"),
            incident=f"INC-{i % 50}",
        )
        for i in range(n)
    ]


def mirror_rate(engine: Engine, items: list[Item]) -> tuple[float, float]:
    """Rows/s inserting then updating `items` through apply_page, one page a transaction."""
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        source_store.ensure(session, "bench", "jira")
    now = datetime.now(UTC)
    started = time.perf_counter()
    for start in range(0, len(items), PAGE):
        with sessions.begin() as session:
            item_store.apply_page(session, "bench", items[start : start + PAGE], now)
    inserted = len(items) / (time.perf_counter() - started)
    newer = [
        replace(i, updated_at=i.updated_at + timedelta(hours=1), title=i.title + "!") for i in items
    ]
    started = time.perf_counter()
    for start in range(0, len(newer), PAGE):
        with sessions.begin() as session:
            item_store.apply_page(session, "bench", newer[start : start + PAGE], now)
    updated = len(items) / (time.perf_counter() - started)
    return inserted, updated


def floor_rate(engine: Engine, items: list[Item]) -> float:
    """Rows/s of a raw INSERT ... ON CONFLICT executemany, 100 rows a transaction."""
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS bench_floor"))
        connection.execute(
            text(
                "CREATE TABLE bench_floor (external_id VARCHAR(200) PRIMARY KEY, "
                "key VARCHAR(300), title TEXT, state VARCHAR(20), updated_at TIMESTAMP)"
            )
        )
    rows = [
        {
            "e": i.external_id,
            "k": i.key,
            "t": i.title,
            "s": i.state.value,
            "u": i.updated_at.replace(tzinfo=None),
        }
        for i in items
    ]
    statement = text(
        "INSERT INTO bench_floor VALUES (:e, :k, :t, :s, :u) ON CONFLICT (external_id) "
        "DO UPDATE SET title = excluded.title, updated_at = excluded.updated_at"
    )
    started = time.perf_counter()
    for start in range(0, len(rows), PAGE):
        with engine.begin() as connection:
            connection.execute(statement, rows[start : start + PAGE])
    return len(rows) / (time.perf_counter() - started)


def fresh_sqlite(directory: str, n: int) -> Engine:
    engine = make_engine(f"sqlite:///{directory}/bench-{n}.db")
    upgrade(engine)
    return engine


def fresh_postgres(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {tables} CASCADE"))
    return engine


def report(name: str, make: Callable[[int], Engine]) -> None:
    items = make_items(ROWS)
    inserts, updates, floors = [], [], []
    for n in range(REPEATS):
        engine = make(n)
        inserted, updated = mirror_rate(engine, items)
        inserts.append(inserted)
        updates.append(updated)
        floors.append(floor_rate(engine, items))
        engine.dispose()
    floor = statistics.median(floors)
    print(f"{name}: {ROWS} items in {PAGE}-item pages, median of {REPEATS}")
    print(f"  raw upsert floor      {floor:10,.0f} rows/s")
    for label, rates in (("apply_page insert", inserts), ("apply_page update", updates)):
        rate = statistics.median(rates)
        print(f"  {label:<21} {rate:10,.0f} rows/s  ({rate / floor:.2f}x floor)")


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        report("SQLite (WAL)", lambda n: fresh_sqlite(directory, n))
    url = os.environ.get("FOLLOWTHROUGH_BENCH_POSTGRES_URL")
    if url:
        report("PostgreSQL", lambda n: fresh_postgres(url))
    else:
        print("PostgreSQL: skipped (set FOLLOWTHROUGH_BENCH_POSTGRES_URL)")


if __name__ == "__main__":
    main()
