"""GitHub sync cost against the fake GitHub over real HTTP: requests, speed, 304 polls.

For 1,000 and 10,000 labelled items among unlabelled noise and pull requests in two
repos, prints: the first sync's requests against the floor Σ⌈labelled per repo / 100⌉,
items per second (median of repeats), a no-change poll's requests and whether each was a
304, and the reconciliation sweep's requests. Uses the real connector (PyGithub), the
real runner and a SQLite mirror.
"""

from __future__ import annotations

import math
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.registry import load_connectors
from connectors.testing.dataset import seed_github
from connectors.testing.github import FakeGitHub
from connectors.testing.github_traffic import RecordedRequest
from connectors.testing.server import serve
from service.clock import SystemClock
from service.config import SourceSettings, parse_settings
from service.db import make_engine, make_session_factory
from service.migrate import upgrade
from service.sync.runner import SyncRunner

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
REPOS = ("acme/api", "acme/web")
SIZES = (1_000, 10_000)
REPEATS = 3


def seeded(labelled: int) -> FakeGitHub:
    fake = FakeGitHub(now=NOW)
    fake.rate_limit.limit = 1_000_000  # the bench measures our requests, not GitHub's quota
    seed_github(
        fake,
        seed=11,
        labelled=labelled,
        unlabelled=labelled * 3,
        pull_requests=labelled // 2,
        repos=REPOS,
        now=NOW,
    )
    return fake


def floor_requests(fake: FakeGitHub) -> int:
    """Σ over repos of ⌈labelled issues / 100⌉: the fewest listing requests possible.

    GitHub's issue listing also returns labelled pull requests (dropped after listing), so
    they are part of the pages a sync must read and are counted here too.
    """
    per_repo = Counter(
        issue.repo
        for issue in fake.issues()
        if any(label.name == "incident-action" for label in issue.labels)
    )
    return sum(math.ceil(n / 100) for n in per_repo.values())


def source_for(url: str) -> SourceSettings:
    entry = {"name": "gh", "kind": "github", "url": url, "token": "t", "repos": list(REPOS)}
    settings = parse_settings({"sources": [entry]}, load_connectors(), env={})
    return settings.sources[0]


@dataclass(frozen=True)
class Measurement:
    first: int
    comments: int
    floor: int
    rate: float
    poll: list[RecordedRequest]
    one_shot: list[RecordedRequest]


def measure(labelled: int) -> Measurement:
    fake = seeded(labelled)
    floor = floor_requests(fake)
    rates: list[float] = []
    first_requests = comment_requests = 0
    with serve(fake.app) as url, tempfile.TemporaryDirectory() as directory:
        source = source_for(url)
        for repeat in range(REPEATS):
            engine = make_engine(f"sqlite:///{directory}/bench-{repeat}.db")
            upgrade(engine)
            runner = SyncRunner(make_session_factory(engine), SystemClock(), load_connectors())
            before = len(fake.requests)
            started = time.perf_counter()
            result = runner.sync(source)
            elapsed = time.perf_counter() - started
            assert result.status == "success", result.error
            rates.append(result.items_seen / elapsed)
            first_requests = len(fake.requests) - before
            comment_requests = sum(
                1 for r in fake.requests[before:] if r.path.endswith("/comments")
            )
        before = len(fake.requests)
        runner.run(runner.open_run(source), source, reconcile=False)
        poll = fake.requests[before:]
        before = len(fake.requests)
        runner.sync(source)
        one_shot = fake.requests[before:]
        engine.dispose()
    return Measurement(
        first_requests, comment_requests, floor, statistics.median(rates), poll, one_shot
    )


def main() -> None:
    print(f"GitHub sync against the fake over loopback; {REPEATS} first syncs each, median speed")
    for labelled in SIZES:
        m = measure(labelled)
        statuses = Counter(int(r.status) for r in m.poll)
        sweep = len(m.one_shot) - len(m.poll)
        print(f"{labelled:>6} labelled ({labelled * 3} unlabelled, {labelled // 2} PRs, 2 repos)")
        listing = m.first - m.comments
        print(
            f"  first sync requests   {m.first:>5}   listing {listing}, floor Σ⌈labelled incl."
            f" PRs/100⌉ = {m.floor} ({listing - m.floor:+d}); comment searches {m.comments}"
            " (one per item already wont_do)"
        )
        print(f"  first sync speed      {m.rate:>8,.0f} items/s")
        print(f"  no-change poll        {len(m.poll):>5} requests, statuses {dict(statuses)}")
        print(f"  reconciliation sweep  {sweep:>5} requests (one-shot sync minus its poll)")


if __name__ == "__main__":
    main()
