"""Linear sync cost against the fake Linear over real HTTP: requests per sync, history, polls.

For 1,000 and 5,000 labelled items among unlabelled noise in two teams (page size 50),
prints: the first sync's listing requests against the floor ⌈labelled / page⌉ and its
speed; a sync after N items changed (state, owner or due date) with its listing requests
against ⌈N / page⌉ and its batched history requests; a no-change poll's requests; and the
reconciliation sweep's requests. Uses the real connector (httpx), the real runner and a
SQLite mirror.
"""

from __future__ import annotations

import math
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.registry import load_connectors
from connectors.testing.linear import API_KEY, FakeLinear
from connectors.testing.linear_dataset import PEOPLE, seed_linear
from connectors.testing.linear_model import FakeLinearIssue
from connectors.testing.server import serve
from service.clock import SystemClock
from service.config import SourceSettings, parse_settings
from service.db import make_engine, make_session_factory
from service.migrate import upgrade
from service.sync.runner import SyncRunner

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SIZES = (1_000, 5_000)
CHANGED = (1, 50, 120)
PAGE = 50
LABEL = "incident-action"
SPACING = 10
"""Seconds between two changes: the 2-minute overlap re-reads about a dozen of them."""


def source_for(url: str) -> SourceSettings:
    entry = {"name": "lin", "kind": "linear", "url": f"{url}/graphql", "token": API_KEY}
    settings = parse_settings({"sources": [entry]}, load_connectors(), env={})
    return settings.sources[0]


@dataclass(frozen=True)
class Cost:
    """Requests one sync made, by GraphQL operation, and how long it took."""

    operations: Counter[str]
    seconds: float
    items_seen: int

    @property
    def total(self) -> int:
        return sum(self.operations.values())

    def describe(self) -> str:
        parts = ", ".join(f"{name} {n}" for name, n in sorted(self.operations.items()))
        return f"{self.total:>4} requests ({parts or 'none'}; {self.items_seen} items read)"


def timed_sync(
    runner: SyncRunner, fake: FakeLinear, source: SourceSettings, *, reconcile: bool
) -> Cost:
    before = len(fake.requests)
    started = time.perf_counter()
    result = runner.run(runner.open_run(source), source, reconcile=reconcile)
    elapsed = time.perf_counter() - started
    assert result.status == "success", result.error
    return Cost(Counter(fake.operations()[before:]), elapsed, result.items_seen)


def tracked_issues(fake: FakeLinear) -> list[FakeLinearIssue]:
    """The issues a sync mirrors: labelled (any case) and not in the trash."""
    return [
        issue
        for issue in fake.issues()
        if not issue.trashed and any(name.casefold() == LABEL for name in issue.labels)
    ]


def change(fake: FakeLinear, rng: random.Random, count: int) -> None:
    """Change `count` tracked issues the way teams do: state, owner or due date."""
    tracked = tracked_issues(fake)
    fake.tick(600)
    for issue in rng.sample(tracked, count):
        fake.tick(SPACING)
        choice = rng.random()
        if choice < 0.5:
            fake.update_issue(issue.id, state="Done" if issue.state.type != "completed" else "Todo")
        elif choice < 0.8:
            fake.update_issue(issue.id, assignee=rng.choice(PEOPLE))
        else:
            fake.update_issue(issue.id, due_date=fake.now.date())


def measure(labelled: int) -> None:
    fake = FakeLinear(now=NOW)
    seed_linear(fake, seed=11, labelled=labelled, unlabelled=labelled, now=NOW)
    tracked = len(tracked_issues(fake))
    rng = random.Random(5)
    with serve(fake.app) as url, tempfile.TemporaryDirectory() as directory:
        source = source_for(url)
        engine = make_engine(f"sqlite:///{directory}/bench.db")
        upgrade(engine)
        runner = SyncRunner(make_session_factory(engine), SystemClock(), load_connectors())
        first = timed_sync(runner, fake, source, reconcile=False)
        print(
            f"{labelled:>6} labelled ({tracked} tracked, the trashed left out),"
            f" {labelled} unlabelled, 2 teams"
        )
        print(
            f"  first sync          {first.describe()}; floor ⌈{tracked}/{PAGE}⌉ ="
            f" {math.ceil(tracked / PAGE)} listings;"
            f" {first.items_seen / first.seconds:,.0f} items/s"
        )
        for count in CHANGED:
            change(fake, rng, count)
            cost = timed_sync(runner, fake, source, reconcile=False)
            print(
                f"  {count:>3} changed        {cost.describe()}; floor ⌈{count}/{PAGE}⌉ ="
                f" {math.ceil(count / PAGE)} listings, history ⌈{count}/50⌉ ="
                f" {math.ceil(count / 50)}"
            )
        fake.tick(600)
        poll = timed_sync(runner, fake, source, reconcile=False)
        print(f"  no-change poll      {poll.describe()}")
        sweep = timed_sync(runner, fake, source, reconcile=True)
        print(
            f"  one-shot + sweep    {sweep.describe()}; floor ⌈{tracked}/50⌉ ="
            f" {math.ceil(tracked / 50)} by-id reconcile requests"
        )
        engine.dispose()


def main() -> None:
    print(f"Linear sync against the fake over loopback (page size {PAGE}, history batches of 50)")
    for labelled in SIZES:
        measure(labelled)


if __name__ == "__main__":
    main()
