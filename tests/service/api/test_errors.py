"""The error shape: 400 bad_parameter naming each bad query parameter (never 422 or 500),
404/405 for unknown paths and methods, 500 `internal` without a trace, and an OpenAPI
document that says 400 where FastAPI would say 422."""

from __future__ import annotations

import json

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.api import cursor
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
    ("/api/v1/items", "as_of", "9999-12-31T23:59:59-23:59"),  # past year 9999 in UTC
    ("/api/v1/items", "as_of", "0001-01-01T00:00:00+14:00"),  # before year 1 in UTC
    ("/api/v1/items", "sort", "priority"),
    ("/api/v1/items", "limit", "0"),
    ("/api/v1/items", "limit", "501"),
    ("/api/v1/items", "limit", "ten"),
    ("/api/v1/items", "cursor", "garbage"),
    ("/api/v1/items/1", "as_of", "03/02/2026"),
    ("/api/v1/items", "owner", "a\x00b"),  # NUL: PostgreSQL text cannot hold one
    ("/api/v1/items", "incident", "\x00"),
    ("/api/v1/items", "key", "ACT-1\x00"),
    ("/api/v1/metrics/summary", "owner", "\x00"),
    ("/api/v1/review", "since", "\x00"),
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
    assert client.get("/api/v1/items/2147483648").status_code == 404  # past a 32-bit id


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


def test_head_answers_as_get_without_a_body(client):
    for path in ("/api/v1/items", "/healthz", "/metrics"):
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code == 200
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]


def test_head_on_a_write_only_route_is_405(make_client, tracker):
    client = make_client(admin_tokens=["admin"])
    response = client.head("/api/v1/sources/demo/sync", headers={"Authorization": "Bearer admin"})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


def test_options_is_405_in_the_error_shape(client):
    response = client.options("/api/v1/items")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_a_malformed_body_on_the_write_route_is_ignored_never_a_500(make_client, tracker):
    client = make_client(admin_tokens=["admin"])
    response = client.post(
        "/api/v1/sources/demo/sync",
        content=b'{"truncated": ',
        headers={"Authorization": "Bearer admin", "Content-Type": "application/json"},
    )
    assert response.status_code == 202


def test_a_framework_4xx_without_its_own_code_is_bad_parameter(client):
    router = APIRouter()

    @router.get("/_too-large")
    def too_large() -> None:
        raise StarletteHTTPException(413, "request body too large")

    client.app.include_router(router)
    response = client.get("/_too-large")
    assert response.status_code == 413
    assert response.json() == {
        "error": {"code": "bad_parameter", "message": "request body too large"}
    }


@pytest.mark.parametrize(
    ("kind", "path", "position"),
    [
        ("items", "/api/v1/items", ["2026-01-01T00:00:00+00:00", 2**40]),  # past a 32-bit id
        ("items", "/api/v1/items", ["2026-01-01T00:00:00+00:00", -(2**40)]),
        ("incidents", "/api/v1/incidents", [2**70, "INC-1"]),
        ("incidents", "/api/v1/incidents", [1, "INC\x00"]),
    ],
)
def test_a_hand_made_cursor_the_database_cannot_compare_is_400(client, kind, path, position):
    """The cursor's checksum is not a secret, so its contents are checked as input."""
    pins = {"as_of": "2026-03-02T12:00:00+00:00"}
    if kind == "items":
        pins |= {"sort": "-age", "state": "active"}
    response = client.get(path, params={"cursor": cursor.seal(kind, pins, position)})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == "cursor"


def test_a_nul_byte_in_a_parameter_name_is_400(client):
    response = client.get("/api/v1/items?own%00er=x")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "bad_parameter",
        "message": "a NUL byte is not allowed here",
        "param": "owner",
    }
