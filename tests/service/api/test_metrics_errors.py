"""Bad input to the aggregate endpoints: 400 `bad_parameter` naming the parameter, never
a 500 (CONTRACT §5 "Errors")."""

from __future__ import annotations

import pytest

CASES = [
    ("/api/v1/metrics/summary", {"source": "nope"}, "source"),
    ("/api/v1/metrics/summary", {"type": "bug"}, "type"),
    ("/api/v1/metrics/summary", {"owner": " "}, "owner"),
    ("/api/v1/metrics/summary", {"incident": ""}, "incident"),
    ("/api/v1/metrics/summary", {"as_of": "yesterday"}, "as_of"),
    ("/api/v1/metrics/summary", {"as_of": "2026-02-30"}, "as_of"),
    ("/api/v1/metrics/summary", {"from": "2026-03-01", "to": "2026-02-01"}, "from"),
    ("/api/v1/metrics/summary", {"to": "soon"}, "to"),
    ("/api/v1/incidents", {"all_closed": "yes"}, "all_closed"),
    ("/api/v1/incidents", {"none_closed": "1"}, "none_closed"),
    ("/api/v1/incidents", {"source": "nope"}, "source"),
    ("/api/v1/incidents", {"as_of": "0000-01-01"}, "as_of"),
    ("/api/v1/owners", {"source": "nope"}, "source"),
    ("/api/v1/owners", {"type": "None"}, "type"),
    ("/api/v1/owners", {"as_of": "2026-13-01"}, "as_of"),
    ("/api/v1/trends", {"interval": "day"}, "interval"),
    ("/api/v1/trends", {"from": "2026-03-01", "to": "2026-01-01"}, "from"),
    ("/api/v1/trends", {"from": "2010-01-01", "to": "2026-01-01"}, "from"),  # > 520 weeks
    ("/api/v1/trends", {"interval": "month", "from": "1970-01-01"}, "from"),  # > 520 months
    ("/api/v1/trends", {"type": "bug"}, "type"),
    ("/api/v1/trends", {"source": "nope"}, "source"),
    ("/api/v1/trends", {"as_of": "noon"}, "as_of"),
]


@pytest.mark.parametrize(("path", "params", "param"), CASES)
def test_bad_input_is_a_400_naming_the_parameter(client, path, params, param):
    response = client.get(path, params=params)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "bad_parameter"
    assert response.json()["error"]["param"] == param


def test_520_weeks_are_allowed_and_521_are_not(client):
    ok = client.get("/api/v1/trends", params={"from": "2016-03-14", "to": "2026-03-02"})
    assert ok.status_code == 200
    assert len(ok.json()["periods"]) == 520
    too_many = client.get("/api/v1/trends", params={"from": "2016-03-13", "to": "2026-03-02"})
    assert too_many.status_code == 400


def test_the_openapi_document_describes_the_metrics_routes_with_400_not_422(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/metrics/summary", "/api/v1/incidents", "/api/v1/owners"):
        operation = paths[path]["get"]
        assert operation["description"]
        assert "400" in operation["responses"]
        assert "422" not in operation["responses"]
    trends = paths["/api/v1/trends"]["get"]
    assert {p["name"] for p in trends["parameters"]} >= {"interval", "from", "to", "as_of"}
