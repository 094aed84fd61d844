"""The error shape: 400 bad_parameter naming each bad query parameter (never 422 or 500),
404/405 for unknown paths and methods, 500 `internal` without a trace, and an OpenAPI
document that says 400 where FastAPI would say 422."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from service.api.routes import sources as sources_route

BAD_PARAMETERS = [
    ("/api/v1/items", "state", "bogus"),
    ("/api/v1/items", "include_removed", "yes"),
    ("/api/v1/items", "overdue", "1"),
    ("/api/v1/items", "stale", "TRUE"),
    ("/api/v1/items", "unowned", "maybe"),
    ("/api/v1/items", "undated", "0"),
    ("/api/v1/items", "flag", "bogus"),
    ("/api/v1/items", "owner", ""),
    ("/api/v1/items", "source", "nope"),
    ("/api/v1/items", "incident", " "),
    ("/api/v1/items", "type", "bogus"),
    ("/api/v1/items", "key", ""),
    ("/api/v1/items", "as_of", "yesterday"),
    ("/api/v1/items", "as_of", "2026-13-01"),
    ("/api/v1/items", "as_of", "0001-01-01"),
    ("/api/v1/items", "sort", "priority"),
    ("/api/v1/items", "limit", "0"),
    ("/api/v1/items", "limit", "501"),
    ("/api/v1/items", "limit", "ten"),
    ("/api/v1/items", "cursor", "garbage"),
    ("/api/v1/items/1", "as_of", "03/02/2026"),
    ("/api/v1/sync-runs", "source", "nope"),
    ("/api/v1/sync-runs", "limit", "0"),
    ("/api/v1/sync-runs", "limit", "501"),
]


@pytest.mark.parametrize(("path", "param", "value"), BAD_PARAMETERS)
def test_a_bad_query_parameter_is_400_bad_parameter_naming_it(client, path, param, value):
    response = client.get(path, params={param: value})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "bad_parameter"
    assert error["param"] == param
    assert error["message"]


def test_an_unknown_path_is_404_not_found_in_the_error_shape(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_path_id_that_is_not_a_number_is_404(client):
    assert client.get("/api/v1/items/abc").status_code == 404
    assert client.get("/api/v1/items/99999999999999999999").status_code == 404


def test_a_wrong_method_is_405_with_allow(client):
    response = client.delete("/api/v1/items")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert response.headers["allow"] == "GET"


def test_an_unexpected_failure_is_500_internal_without_a_trace(client, monkeypatch):
    def explode(*_: object) -> set[str]:
        raise RuntimeError("secret detail from deep inside")

    monkeypatch.setattr(sources_route.run_store, "running_sources", explode)
    quiet = TestClient(client.app, raise_server_exceptions=False)
    response = quiet.get("/api/v1/sources")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal"
    assert "secret detail" not in response.text
    assert "Traceback" not in response.text


def test_the_openapi_document_has_no_422_and_documents_400(client):
    document = client.get("/openapi.json").json()
    assert '"422"' not in json.dumps(document)
    assert "HTTPValidationError" not in document["components"]["schemas"]
    items = document["paths"]["/api/v1/items"]["get"]["responses"]
    assert items["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorResponse"
    }
    assert "400" in document["paths"]["/api/v1/sync-runs"]["get"]["responses"]
    assert "ErrorResponse" in document["components"]["schemas"]
