"""`GET /metrics`: parsed with prometheus_client's text parser, names and labels exactly as
CONTRACT §6, sync figures from the sync-runs table, the read-token rule and the cache."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from connectors.item import ItemState
from service.store import runs as run_store
from service.store import sources as source_store
from tests.conftest import NOW
from tests.service.api.conftest import READ, bearer
from tests.support.readside import Mirror, item

SYNC = NOW - timedelta(hours=1)
STATES = {"open", "in_progress", "blocked", "done", "wont_do"}


def scrape(client, **headers: str) -> dict[str, list]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples: dict[str, list] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def value(samples, name: str, **labels: str) -> float:
    found = [v for lab, v in samples.get(name, []) if lab == labels]
    assert len(found) == 1, (name, labels, samples.get(name))
    return found[0]


def run(session, started, seconds: float | None, status: str, requests: dict[str, int]) -> None:
    """A run of `demo` through the runs repository; finished unless `seconds` is None."""
    record = run_store.start(session, "demo", started, full=False, owner="test")
    record.request_statuses = requests
    if seconds is not None:
        run_store.finish(session, record, status, started + timedelta(seconds=seconds))


@pytest.fixture
def runs(sessions) -> None:
    with sessions.begin() as session:
        source_store.ensure(session, "demo", "scripted")
        run(session, NOW - timedelta(hours=3), 0.5, "success", {"200": 3, "304": 1})
        run(session, NOW - timedelta(hours=2), 40, "partial", {"200": 2})
        run(session, NOW - timedelta(hours=1), 4000, "failed", {"502": 1, "200": 1})
        run(session, NOW, None, "running", {})


def test_item_gauges_have_all_five_states_with_zeros(client, mirror: Mirror):
    mirror.put(
        item(1, due_date=NOW.date() - timedelta(days=1), created_at=NOW - timedelta(days=2)),
        item(2, state=ItemState.DONE, created_at=NOW - timedelta(days=3)),
        item(3, state=ItemState.WONT_DO, created_at=NOW - timedelta(days=3)),
        at=SYNC,
    )
    samples = scrape(client)
    for source in ("demo", "other"):
        states = {
            lab["state"] for lab, _ in samples["followthrough_items"] if lab["source"] == source
        }
        assert states == STATES
    assert value(samples, "followthrough_items", source="demo", state="open") == 1
    assert value(samples, "followthrough_items", source="other", state="done") == 0
    assert value(samples, "followthrough_overdue_items", source="demo") == 1
    assert value(samples, "followthrough_stale_items", source="demo") == 0
    assert value(samples, "followthrough_oldest_active_age_seconds", source="demo") == 2 * 86400
    assert value(samples, "followthrough_completion_rate", source="demo") == pytest.approx(0.5)


def test_completion_rate_and_oldest_age_are_omitted_while_undefined(client):
    samples = scrape(client)
    assert "followthrough_completion_rate" not in samples
    assert "followthrough_oldest_active_age_seconds" not in samples
    assert value(samples, "followthrough_items", source="demo", state="blocked") == 0


def test_sync_figures_come_from_the_sync_runs_table(client, runs):
    samples = scrape(client)
    last = value(samples, "followthrough_sync_last_success_timestamp_seconds", source="demo")
    assert last == (NOW - timedelta(hours=2) + timedelta(seconds=40)).timestamp()
    assert value(samples, "followthrough_sync_runs_total", source="demo", status="success") == 1
    assert value(samples, "followthrough_sync_runs_total", source="demo", status="failed") == 1
    assert value(samples, "followthrough_sync_runs_total", source="other", status="partial") == 0
    buckets = {
        lab["le"]: v
        for lab, v in samples["followthrough_sync_duration_seconds_bucket"]
        if lab["source"] == "demo"
    }
    assert list(buckets) == [
        "1.0", "5.0", "15.0", "30.0", "60.0", "120.0", "300.0", "600.0", "1800.0", "+Inf"
    ]  # fmt: skip
    assert (buckets["1.0"], buckets["60.0"], buckets["1800.0"], buckets["+Inf"]) == (1, 2, 2, 3)
    assert value(samples, "followthrough_sync_duration_seconds_count", source="demo") == 3
    total = value(samples, "followthrough_sync_duration_seconds_sum", source="demo")
    assert total == pytest.approx(4040.5)
    requests = "followthrough_tracker_requests_total"
    assert value(samples, requests, source="demo", status_code="200") == 6
    assert value(samples, requests, source="demo", status_code="502") == 1


def test_every_name_is_one_of_the_contract(client, mirror: Mirror, runs):
    mirror.put(item(1), at=SYNC)
    names = set(scrape(client))
    contract = {
        "followthrough_items",
        "followthrough_overdue_items",
        "followthrough_stale_items",
        "followthrough_oldest_active_age_seconds",
        "followthrough_completion_rate",
        "followthrough_sync_last_success_timestamp_seconds",
        "followthrough_sync_runs_total",
        "followthrough_sync_duration_seconds_bucket",
        "followthrough_sync_duration_seconds_sum",
        "followthrough_sync_duration_seconds_count",
        "followthrough_tracker_requests_total",
    }
    assert names == contract


def test_the_scrape_is_cached_for_fifteen_seconds(client, mirror: Mirror, clock):
    assert value(scrape(client), "followthrough_items", source="demo", state="open") == 0
    mirror.put(item(1), at=SYNC)
    clock.advance(14)
    assert value(scrape(client), "followthrough_items", source="demo", state="open") == 0
    clock.advance(1)
    assert value(scrape(client), "followthrough_items", source="demo", state="open") == 1


def test_metrics_follow_the_read_token_rule(make_client):
    client = make_client(read_tokens=[READ])
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=bearer("wrong")).status_code == 401
    scrape(client, **bearer(READ))
