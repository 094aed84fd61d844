"""Jira sync cost against the fake Jira (Cloud and Data Center) over real HTTP.

For 1,000 and 5,000 labelled items among unlabelled noise, prints per flavour: the first
sync's listing requests against ⌈labelled / page⌉ plus its constant (serverInfo, /myself,
/field) and the runner's bulk reads (comments of won't-do items), items per second; a
no-change poll's requests (one listing); the requests of a sync after a tenth of the
items changed state (changelogs in bulk: never one per item); and a one-shot sync with
its id-only reconciliation sweep. Uses the real connector (pycontribs' session), the real runner
and a SQLite mirror.
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.registry import load_connectors
from connectors.testing.github_traffic import RecordedRequest
from connectors.testing.jira import FakeJira, Flavour
from connectors.testing.jira_dataset import seed_jira
from connectors.testing.server import serve
from service.clock import SystemClock
from service.config import SourceSettings, parse_settings
from service.db import make_engine, make_session_factory
from service.migrate import upgrade
from service.sync.runner import SyncRunner

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SIZES = (1_000, 5_000)
PAGE = 100
SEARCHES = ("/rest/api/2/search/jql", "/rest/api/2/search")
METADATA = ("/rest/api/2/serverInfo", "/rest/api/2/myself", "/rest/api/2/field")


def source_for(fake: FakeJira, url: str) -> SourceSettings:
    entry = {"name": "jira", "kind": "jira", "url": url, "token": fake.token, "page_size": PAGE}
    if fake.cloud:
        entry["email"] = fake.email
    return parse_settings({"sources": [entry]}, load_connectors(), env={}).sources[0]


def kinds(requests: Sequence[RecordedRequest]) -> Counter[str]:
    """Requests by purpose: the label listing, the id-only sweep, bulk reads by id
    (changelogs, statuses, comments, lookups), and site metadata."""
    counted: Counter[str] = Counter()
    for request in requests:
        jql = request.query.get("jql", "")
        if request.path in METADATA:
            counted["metadata"] += 1
        elif request.path in SEARCHES and "id in (" not in jql:
            counted["sweep" if request.query.get("fields") == "id" else "listing"] += 1
        else:
            counted["bulk"] += 1
    return counted


def measure(flavour: Flavour, labelled: int) -> None:
    fake = FakeJira(flavour, now=NOW, max_page=PAGE)
    made = seed_jira(fake, seed=11, labelled=labelled, unlabelled=labelled, now=NOW)
    floor = math.ceil(labelled / PAGE)
    with serve(fake.app) as url, tempfile.TemporaryDirectory() as directory:
        source = source_for(fake, url)
        engine = make_engine(f"sqlite:///{directory}/bench.db")
        upgrade(engine)
        runner = SyncRunner(make_session_factory(engine), SystemClock(), load_connectors())

        started = time.perf_counter()
        first = runner.sync(source)
        elapsed = time.perf_counter() - started
        assert first.status == "success", first.error
        first_requests = kinds(fake.requests)

        before = len(fake.requests)
        runner.run(runner.open_run(source), source, reconcile=False)
        poll = kinds(fake.requests[before:])

        changed = made[: labelled // 10]
        fake.tick(60)
        for issue in changed:
            fake.transition(issue.id, "Blocked" if issue.status.category != "done" else "To Do")
        fake.tick(60)
        before = len(fake.requests)
        second = runner.run(runner.open_run(source), source, reconcile=False)
        assert second.status == "success", second.error
        history = kinds(fake.requests[before:])

        before = len(fake.requests)
        runner.sync(source)
        one_shot = kinds(fake.requests[before:])
        engine.dispose()

    print(f"{flavour:>5} {labelled:>6} labelled ({labelled} unlabelled), page {PAGE}")
    print(
        f"  first sync        listing {first_requests['listing']:>4}  floor ⌈N/page⌉ = {floor}"
        f"  metadata {first_requests['metadata']}  bulk {first_requests['bulk']}"
        f"  ({first.items_seen / elapsed:,.0f} items/s)"
    )
    print(f"  no-change poll    listing {poll['listing']:>4}  metadata {poll['metadata']}")
    print(
        f"  {len(changed):>4} changed      listing {history['listing']:>4}  bulk {history['bulk']}"
        f" (changelogs, statuses, comments)  metadata {history['metadata']}"
    )
    print(
        f"  one-shot sync     listing {one_shot['listing']:>4}  sweep {one_shot['sweep']}"
        f"  bulk {one_shot['bulk']}  metadata {one_shot['metadata']}"
    )


def main() -> None:
    print("Jira sync against the fake over loopback (real connector, runner, SQLite)")
    for flavour in ("cloud", "dc"):
        for labelled in SIZES:
            measure(flavour, labelled)


if __name__ == "__main__":
    main()
