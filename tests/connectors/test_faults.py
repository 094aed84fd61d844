"""Fault injection (issue 9; RELIABILITY rule 8, checks 7 and 11): every fault the fake
trackers can serve, against every connector, through the real SyncRunner on a virtual
clock. Each case first mirrors nine items, edits them all (three listing pages), injects
the fault at the second listing page, syncs, and checks what the service did: the run's
status, error and source status, waits honoured on the service clock, bounded retries,
the first page kept, nothing mirrored lost; then a clean sync converges on the tracker and
a repeat sync changes nothing.

Run with `-s` for the "fault × connector → outcome" table; with FOLLOWTHROUGH_FAULTS_TABLE
set to a path the table is also written there (docs/faults.md)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from connectors import bounded
from connectors.github import client as github_client
from connectors.jira import client as jira_client
from connectors.linear import http as linear_http
from connectors.retry import RetryPolicy
from connectors.testing import serve
from connectors.testing.faults import huge_json
from service.api.routes.sources import source_status
from service.clock import ManualClock
from service.sync.runner import SyncRunner
from tests.conftest import private_database
from tests.connectors.trackers import TRACKERS, Tracker
from tests.service.sync import mirror

ITEMS = 9
PAGE = 3
MAX_TRIES = RetryPolicy(sleep=lambda _: None, clock=lambda: datetime.now()).max_tries
CLIENT_TIMEOUT = 1  # PyGithub takes whole seconds only
STALL = 1.5
TEST_CAP = 1024 * 1024
HTML = "<!DOCTYPE html><html><body><h1>{}</h1><p>upstream proxy</p></body></html>"


@dataclass(frozen=True)
class Expect:
    """What the service should do with one fault: the run's status and error kind, a
    phrase its error names, the wait before the next request, and how many requests the
    fault answered."""

    status: str
    kind: str | None = None
    says: str = ""
    wait: float = 0.0
    answered: int = 1
    fault_status: int | None = None


Inject = Callable[[Tracker, Any, ManualClock], Expect]


def _linear_limited(message: str) -> str:
    error = {"message": message, "extensions": {"code": "RATELIMITED", "type": "Ratelimited"}}
    return json.dumps({"data": None, "errors": [error]})


def retry_after_seconds(tracker: Tracker, fake: Any, clock: ManualClock) -> Expect:
    body = "Too Many Requests" if tracker.kind == "linear" else None
    fake.fail_next(
        429, headers={"Retry-After": "7"}, body=body, path_contains=tracker.listing, skip=1
    )
    return Expect("success", wait=7, fault_status=429)


def retry_after_date(tracker: Tracker, fake: Any, clock: ManualClock) -> Expect:
    when = format_datetime(clock.now() + timedelta(seconds=30), usegmt=True)
    body = "Too Many Requests" if tracker.kind == "linear" else None
    fake.fail_next(
        429, headers={"Retry-After": when}, body=body, path_contains=tracker.listing, skip=1
    )
    return Expect("success", wait=30, fault_status=429)


def _exhausted(tracker: Tracker, fake: Any, reset: datetime, *, graphql_status: int) -> int:
    """The tracker's own "0 remaining, resets at" answer; returns its HTTP status."""
    epoch = int(reset.timestamp())
    if tracker.kind == "github":
        headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(epoch)}
        status, body = 403, None
    elif tracker.kind == "jira":
        iso = reset.strftime("%Y-%m-%dT%H:%M:%SZ")
        headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": iso}
        status, body = 429, None
    else:
        bucket = "Requests" if graphql_status == 400 else "Complexity"
        headers = {
            f"X-RateLimit-{bucket}-Remaining": "0",
            f"X-RateLimit-{bucket}-Reset": str(epoch * 1000),
        }
        status, body = graphql_status, _linear_limited("Rate limit exceeded")
    fake.fail_next(status, headers=headers, body=body, path_contains=tracker.listing, skip=1)
    return status


def reset_soon(tracker: Tracker, fake: Any, clock: ManualClock) -> Expect:
    status = _exhausted(tracker, fake, clock.now() + timedelta(seconds=60), graphql_status=400)
    return Expect("success", wait=60, fault_status=status)


def graphql_limited_on_200(tracker: Tracker, fake: Any, clock: ManualClock) -> Expect:
    status = _exhausted(tracker, fake, clock.now() + timedelta(seconds=45), graphql_status=200)
    return Expect("success", wait=45, fault_status=status)


def reset_far(tracker: Tracker, fake: Any, clock: ManualClock) -> Expect:
    status = _exhausted(tracker, fake, clock.now() + timedelta(hours=1), graphql_status=400)
    return Expect("rate_limited", "rate_limited", "rate limited", fault_status=status)


def burst_within_budget(tracker: Tracker, fake: Any, clock: ManualClock) -> Expect:
    fake.fail_next(502, times=MAX_TRIES - 1, path_contains=tracker.listing, skip=1)
    return Expect("success", answered=MAX_TRIES - 1, fault_status=502)


def burst_over_budget(tracker: Tracker, fake: Any, clock: ManualClock) -> Expect:
    fake.fail_next(503, times=MAX_TRIES, path_contains=tracker.listing, skip=1)
    return Expect("failed", "tracker", "HTTP 503", answered=MAX_TRIES, fault_status=503)


def timeouts(tracker: Tracker, fake: Any, clock: ManualClock) -> Expect:
    fake.stall_next(STALL, path_contains=tracker.listing, skip=1)
    return Expect("success", fault_status=200)


def resets(tracker: Tracker, fake: Any, clock: ManualClock) -> Expect:
    fake.reset_next(times=2, path_contains=tracker.listing, skip=1)
    return Expect("success", answered=2, fault_status=0)


def truncated(tracker: Tracker, fake: Any, clock: ManualClock) -> Expect:
    fake.truncate_next(path_contains=tracker.listing, skip=1)
    return Expect("failed", "tracker", "JSON", fault_status=200)


def html_200(tracker: Tracker, fake: Any, clock: ManualClock) -> Expect:
    fake.fail_next(200, body=HTML.format("Welcome"), path_contains=tracker.listing, skip=1)
    return Expect("failed", "tracker", "<!DOCTYPE html>", fault_status=200)


def html_502(tracker: Tracker, fake: Any, clock: ManualClock) -> Expect:
    fake.fail_next(502, body=HTML.format("502 Bad Gateway"), path_contains=tracker.listing, skip=1)
    return Expect("success", fault_status=502)


def wrong_shape(tracker: Tracker, fake: Any, clock: ManualClock) -> Expect:
    body = json.dumps({"data": {"unexpected": True}, "items": "none"})
    fake.fail_next(200, body=body, path_contains=tracker.listing, skip=1)
    return Expect("failed", "tracker", "", fault_status=200)


def repeated_token(tracker: Tracker, fake: Any, clock: ManualClock) -> Expect:
    fake.replay_next(path_contains=tracker.listing)
    paged_by_token = tracker.name in ("jira-cloud", "linear")
    if paged_by_token:
        return Expect("failed", "tracker", "repeated", fault_status=200)
    return Expect("success", fault_status=200)


def huge(tracker: Tracker, fake: Any, clock: ManualClock) -> Expect:
    fake.fail_next(200, body=huge_json(4 * TEST_CAP), path_contains=tracker.listing, skip=1)
    return Expect("failed", "tracker", "MiB cap", fault_status=200)


def refused(tracker: Tracker, fake: Any, clock: ManualClock) -> Expect:
    fake.fail_next(401, path_contains=tracker.listing, skip=1)
    return Expect("failed", "misconfigured", "401", answered=1, fault_status=401)


@dataclass(frozen=True)
class Fault:
    label: str
    inject: Inject
    only: tuple[str, ...] = ()


FAULTS = [
    Fault("429, `Retry-After: 7` (seconds)", retry_after_seconds),
    Fault("429, `Retry-After` as an HTTP-date 30 s ahead", retry_after_date),
    Fault("0 remaining, reset in 60 s (tracker's own headers)", reset_soon),
    Fault(
        "GraphQL `RATELIMITED` on HTTP 200, complexity reset in 45 s",
        graphql_limited_on_200,
        only=("linear",),
    ),
    Fault("0 remaining, reset in 1 h", reset_far),
    Fault(f"5xx burst shorter than the budget ({MAX_TRIES - 1}× 502)", burst_within_budget),
    Fault(f"5xx burst as long as the budget ({MAX_TRIES}× 503)", burst_over_budget),
    Fault(f"timeout (answer stalled {STALL} s, client timeout {CLIENT_TIMEOUT} s)", timeouts),
    Fault("connection reset before any answer (2×)", resets),
    Fault("truncated JSON (200, body cut in half)", truncated),
    Fault("HTML page on HTTP 200", html_200),
    Fault("HTML page on HTTP 502 (once)", html_502),
    Fault("valid JSON of the wrong shape (200)", wrong_shape),
    Fault("page 2 repeats page 1 (same token / cursor / Link)", repeated_token),
    Fault(f"huge body ({4 * TEST_CAP >> 20} MiB over a {TEST_CAP >> 20} MiB test cap)", huge),
    Fault("401 on the listing", refused),
]


def _applicable(fault: Fault) -> list[Tracker]:
    return [t for t in TRACKERS if not fault.only or t.name in fault.only]


CASES = [
    pytest.param(fault, tracker, "sqlite", id=f"sqlite-{fault.inject.__name__}-{tracker.name}")
    for fault in FAULTS
    for tracker in _applicable(fault)
]
# On PostgreSQL each fault runs once, against the trackers in turn (every connector is
# covered): what a fault exercises on the database side is the runner's commits.
CASES += [
    pytest.param(
        fault,
        tracker,
        "postgresql",
        id=f"postgresql-{fault.inject.__name__}-{tracker.name}",
        marks=pytest.mark.postgres,
    )
    for number, fault in enumerate(FAULTS)
    for tracker in [_applicable(fault)[number % len(_applicable(fault))]]
]

SOURCE_STATUS = {
    None: "ok",
    "rate_limited": "ok",
    "tracker": "failing",
    "misconfigured": "misconfigured",
}
"""CONTRACT §5: a source's status after a run that ended with this error kind."""

OUTCOMES: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="module", autouse=True)
def outcome_table() -> Iterator[None]:
    """After the module: print the table, and write it where FOLLOWTHROUGH_FAULTS_TABLE says."""
    yield
    if not OUTCOMES:
        return
    table = render_table()
    print("\n" + table)
    target = os.environ.get("FOLLOWTHROUGH_FAULTS_TABLE")
    if target:
        Path(target).write_text(table)


def render_table() -> str:
    names = [t.name for t in TRACKERS]
    lines = [
        "# Faults × connectors: what the service did",
        "",
        "Generated by `FOLLOWTHROUGH_FAULTS_TABLE=docs/faults.md pytest "
        "tests/connectors/test_faults.py`: each cell is what that test observed. Every case",
        f"mirrors {ITEMS} items, edits them all ({ITEMS // PAGE} listing pages of {PAGE}), "
        "injects the fault at the second listing page and syncs through the SyncRunner on a",
        "virtual clock; after it, a clean sync converged on the tracker and a repeat sync "
        "changed 0 rows in every case. Nothing mirrored before was lost in any case.",
        f"Retry budget: {MAX_TRIES} tries per request (capped exponential backoff, full "
        "jitter); waits over 120 s end the run `rate_limited`. Response cap: "
        f"{bounded.MAX_RESPONSE_BYTES >> 20} MiB (lowered to {TEST_CAP >> 20} MiB in the test).",
        "",
        "| fault | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for fault in FAULTS:
        cells = [OUTCOMES.get((fault.label, name), "n/a") for name in names]
        lines.append(f"| {fault.label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


@pytest.fixture
def database_url(
    db: str, request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[str]:
    """The database a case names: the full matrix on SQLite, a rotation on PostgreSQL."""
    yield from private_database(db, request, sqlite_template, tmp_path)


@pytest.fixture
def short_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Client timeouts short enough that a stalled answer times out in a fraction of a
    second, and a response cap small enough to test cheaply."""
    monkeypatch.setattr(github_client, "TIMEOUT_SECONDS", CLIENT_TIMEOUT)
    monkeypatch.setattr(jira_client, "TIMEOUT_SECONDS", CLIENT_TIMEOUT)
    monkeypatch.setattr(linear_http, "READ_TIMEOUT_SECONDS", CLIENT_TIMEOUT)
    monkeypatch.setattr(bounded, "MAX_RESPONSE_BYTES", TEST_CAP)


@pytest.mark.usefixtures("short_timeouts")
@pytest.mark.parametrize(("fault", "tracker", "db"), CASES)
def test_fault_is_handled_and_a_clean_sync_converges(sessions, clock, fault, tracker):
    fake = tracker.fake()
    fake.stamp = clock.now
    runner = SyncRunner(sessions, clock, {tracker.kind: tracker.connector})
    with serve(fake.app) as base:
        settings = tracker.source(fake, base, page_size=PAGE)
        made = []
        for number in range(ITEMS):
            made.append(tracker.create(fake, f"Action {number}"))
            fake.tick()
        assert runner.sync(settings).status == "success"
        mirrored = mirror.tracked(sessions)
        assert len(mirrored) == ITEMS
        fake.tick(3600)
        for item in made:
            tracker.retitle(fake, item, f"{item} edited")
            fake.tick()
        expect = fault.inject(tracker, fake, clock)
        mark, started = len(fake.requests), clock.now()

        result = runner.sync(settings)

        run = mirror.run(sessions, result.run_id)
        answered = fake.requests[mark:]
        assert fake.faults_pending() == 0, "the fault was never reached"
        assert (run.status, run.error_kind) == (expect.status, expect.kind), run.error
        assert expect.says in (run.error or "")
        assert source_status(False, run) == SOURCE_STATUS[expect.kind]
        waited = _wait_after_fault(answered, tracker, expect)
        tries = _fault_answers(answered, expect)
        assert tries == expect.answered <= MAX_TRIES
        now = mirror.tracked(sessions)
        assert set(now) >= set(mirrored), "an item mirrored before the fault was lost"
        kept = sum(1 for key, item in now.items() if item != mirrored[key])
        if expect.status != "success":
            assert kept >= PAGE, "the page committed before the fault was not kept"
            if expect.status == "rate_limited":
                clock.advance(3600)

        clean = runner.sync(settings)
        assert clean.status == "success", clean.error
        assert mirror.tracked(sessions) == tracker.truth(fake, base, page_size=PAGE)
        again = runner.sync(settings)
        assert (again.status, again.items_changed) == ("success", 0)

    OUTCOMES[(fault.label, tracker.name)] = _describe(run, expect, waited, tries, kept, started)


def _wait_after_fault(answered: list[Any], tracker: Tracker, expect: Expect) -> float:
    """Seconds on the service clock between the faulted answer (the second listing request
    of the run) and the next request; that request must not come before the asked wait."""
    listing = [i for i, r in enumerate(answered) if _is_listing(r, tracker)]
    if not expect.wait or len(listing) < 2 or listing[1] + 1 >= len(answered):
        return 0.0
    fault = listing[1]
    assert answered[fault].status == expect.fault_status
    gap = (answered[fault + 1].at - answered[fault].at).total_seconds()
    assert gap >= expect.wait, f"a request came {gap:g} s after the fault, before {expect.wait} s"
    return gap


def _is_listing(request: Any, tracker: Tracker) -> bool:
    if tracker.kind == "linear":
        return bool(request.query.get("operation") == tracker.listing.split("=")[1])
    return bool(request.path.endswith(tracker.listing.rstrip("?")))


def _fault_answers(answered: list[Any], expect: Expect) -> int:
    """How many requests of the run got the fault's status: the tries it cost. A fault
    answering 200 cannot be told apart from the answers around it; every queued fault was
    used up (checked above), so it answered as many as were queued."""
    if expect.fault_status == 200:
        return expect.answered
    return sum(1 for r in answered if r.status == expect.fault_status)


def _describe(run: Any, expect: Expect, waited: float, tries: int, kept: int, started: Any) -> str:
    """One table cell, from what the test observed."""
    parts = [f"**{run.status}**" + (f" ({run.error_kind})" if run.error_kind else "")]
    if expect.wait:
        assert waited >= expect.wait
        parts.append(f"next request {waited:g} s later")
    if expect.fault_status not in (None, 200) and tries > 1:
        parts.append(f"{tries} tries")
    if run.status == "rate_limited" and run.retry_at is not None:
        parts.append(f"retry at +{(run.retry_at - started).total_seconds():g} s")
    if run.status != "success":
        parts.append(f"{kept} items of earlier pages kept")
    if run.error:
        text = run.error if len(run.error) <= 90 else run.error[:87] + "…"
        parts.append("`" + text.replace("|", "\\|").replace("`", "'") + "`")
    return "; ".join(parts)
