"""`/metrics` against the length of the sync history: the scrape must not slow as runs pile up.

A year of 5-minute polls of 10 sources is about a million sync runs. Loads 10k, 100k and
1M finished runs (plus one open run per source) into a fresh SQLite file, derives their
counters as migration 0007 does, then times uncached `/metrics` scrapes through the real
app (TestClient) and, as the floor that grows with the history, `SELECT count(*) FROM
sync_runs`. Prints p50 / p95 in ms for each size.

    .venv/bin/python bench/scrape_history.py [--repeats 15] [--sizes 10000,100000,1000000]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient
from metrics import timed  # bench/metrics.py, beside this script
from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import Session

from service.app import create_app
from service.clock import ManualClock
from service.config import ApiSettings, Settings, SourceSettings
from service.db import make_engine
from service.metrics.prometheus import ScrapeCache
from service.migrate import upgrade
from service.store import run_metrics
from service.store.models import Source, SyncRun
from tests.support.scripted import KIND_ASC, AscendingConnector, ScriptedConfig

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SOURCES = tuple(f"source-{n}" for n in range(10))
CHUNK = 50_000


def load(engine: Engine, runs: int) -> None:
    """`runs` finished runs, 5 minutes apart per source, then one open run per source."""
    rng = random.Random(5)
    with engine.begin() as connection:
        connection.execute(insert(Source), [{"name": s, "kind": KIND_ASC} for s in SOURCES])
        batch: list[dict[str, object]] = []
        for i in range(runs):
            begun = NOW - timedelta(minutes=5 * (i // len(SOURCES)) + 5)
            batch.append(
                {
                    "source": SOURCES[i % len(SOURCES)],
                    "started_at": begun,
                    "finished_at": begun + timedelta(seconds=rng.expovariate(1 / 20)),
                    "status": rng.choices(("success", "partial", "failed"), (90, 7, 3))[0],
                    "request_statuses": {"200": rng.randint(1, 5), "304": rng.randint(0, 9)},
                    "error_details": [],
                }
            )
            if len(batch) == CHUNK:
                connection.execute(insert(SyncRun), batch)
                batch = []
        if batch:
            connection.execute(insert(SyncRun), batch)
        connection.execute(
            insert(SyncRun),
            [
                {
                    "source": s,
                    "started_at": NOW,
                    "status": "running",
                    "request_statuses": {"200": 1},
                }
                for s in SOURCES
            ],
        )
    with Session(engine) as session, session.begin():
        run_metrics.rebuild_counters(session)
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")


def settings() -> Settings:
    return Settings(
        database_url="sqlite://",  # unused: the engine is injected
        sources=[
            SourceSettings(name=s, kind=KIND_ASC, connector=ScriptedConfig(name=s)) for s in SOURCES
        ],
        api=ApiSettings(rate_limit=None),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    args = parser.parse_args()
    print(f"{'sync runs':>10} {'load s':>8} {'/metrics p50':>13} {'p95':>8} {'floor p50':>10}")
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as directory:
            engine = make_engine(f"sqlite:///{directory}/scrape.db")
            upgrade(engine)
            started = time.perf_counter()
            load(engine, size)
            loaded = time.perf_counter() - started
            clock = ManualClock(NOW)
            app = create_app(
                settings(), engine=engine, clock=clock, connectors={KIND_ASC: AscendingConnector}
            )
            with TestClient(app) as client, engine.connect() as connection:
                app.state.scrape_cache = ScrapeCache(clock, ttl=timedelta(0))
                assert "followthrough_sync_runs_total" in client.get("/metrics").text
                p50, p95 = timed(lambda: client.get("/metrics"), args.repeats)
                floor, _ = timed(
                    lambda: connection.execute(text("SELECT count(*) FROM sync_runs")).scalar(),
                    args.repeats,
                )
            engine.dispose()
            print(f"{size:>10,} {loaded:>8.1f} {p50:>13.1f} {p95:>8.1f} {floor:>10.1f}")


if __name__ == "__main__":
    main()
