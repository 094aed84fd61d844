"""The Grafana dashboard loads, and every query names only metrics of CONTRACT §6 that the
service really exports."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.deploy.paths import DEPLOY, REPO

# CONTRACT.md §6, mirrored: the metric names are part of the contract.
CONTRACT_METRICS = {
    "followthrough_items": "gauge",
    "followthrough_overdue_items": "gauge",
    "followthrough_stale_items": "gauge",
    "followthrough_oldest_active_age_seconds": "gauge",
    "followthrough_completion_rate": "gauge",
    "followthrough_sync_last_success_timestamp_seconds": "gauge",
    "followthrough_sync_runs_total": "counter",
    "followthrough_sync_duration_seconds": "histogram",
    "followthrough_tracker_requests_total": "counter",
}
HISTOGRAM_SERIES = ("_bucket", "_sum", "_count")
METRIC = re.compile(r"\bfollowthrough_[a-z_]+\b")
CONTRACT_FILE = REPO.parent / "shared" / "design" / "CONTRACT.md"


def dashboard() -> dict[str, Any]:
    return json.loads((DEPLOY / "grafana" / "followthrough.json").read_text())


def panels(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in items:
        yield panel
        yield from panels(panel.get("panels", []))


def queries() -> Iterator[tuple[str, str]]:
    """(where, expression) for every panel target and every query variable."""
    for panel in panels(dashboard()["panels"]):
        for target in panel.get("targets", []):
            yield f"panel {panel['title']!r} {target['refId']}", target["expr"]
    for variable in dashboard()["templating"]["list"]:
        if variable["type"] == "query":
            yield f"variable {variable['name']}", variable["definition"]


def family(series: str) -> str:
    """The metric family a series name belongs to (a histogram's _bucket/_sum/_count)."""
    for suffix in HISTOGRAM_SERIES:
        base = series.removesuffix(suffix)
        if base != series and CONTRACT_METRICS.get(base) == "histogram":
            return base
    return series


def test_the_dashboard_has_an_id_title_and_a_prometheus_datasource_variable():
    board = dashboard()
    assert board["uid"] == "followthrough"
    assert board["title"]
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["query"] == "prometheus"


@pytest.mark.parametrize(("where", "expr"), sorted(queries()))
def test_every_query_names_only_contract_metrics(where, expr):
    names = METRIC.findall(expr)
    assert names, f"{where} names no followthrough metric"
    for name in names:
        assert family(name) in CONTRACT_METRICS, f"{where}: {name} is not in CONTRACT §6"


def test_the_dashboard_shows_every_contract_metric():
    shown = {family(name) for _, expr in queries() for name in METRIC.findall(expr)}
    assert shown == set(CONTRACT_METRICS)


def test_panel_ids_are_unique():
    ids = [panel["id"] for panel in panels(dashboard()["panels"])]
    assert len(ids) == len(set(ids))


def test_the_mirrored_names_match_the_contract_document():
    assert CONTRACT_FILE.is_file(), f"{CONTRACT_FILE} is not beside the repository"
    section = CONTRACT_FILE.read_text().split("## 6.")[1].split("\n## ")[0]
    assert set(METRIC.findall(section)) == set(CONTRACT_METRICS)


def test_the_service_exports_every_metric_the_dashboard_uses():
    exported = {
        name
        for path in (REPO / "service").rglob("*.py")
        for name in re.findall(r"[\"'](followthrough_[a-z_]+)[\"']", path.read_text())
    }
    assert set(CONTRACT_METRICS) <= exported
