"""Bearer tokens: reads need a read or admin token when read tokens are configured, a
presented token must always be valid, and writes need an admin token."""

from __future__ import annotations

import base64

import pytest
from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from service.api import deps
from service.api.deps import PageAccess
from tests.service.api.conftest import ADMIN, READ, bearer

SYNC = "/api/v1/sources/demo/sync"


def test_reads_are_open_when_no_read_tokens_are_configured(client):
    assert client.get("/api/v1/items").status_code == 200


def test_a_presented_unknown_token_is_401_even_when_reads_are_open(client):
    response = client.get("/api/v1/items", headers=bearer("guess"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    "headers",
    [{}, bearer("guess"), {"Authorization": f"Basic {READ}"}, {"Authorization": "Bearer"}],
    ids=["missing", "unknown", "not-bearer", "empty"],
)
def test_reads_without_a_valid_token_are_401_when_read_tokens_are_configured(make_client, headers):
    client = make_client(read_tokens=[READ], admin_tokens=[ADMIN])
    response = client.get("/api/v1/items", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("token", [READ, ADMIN])
def test_a_read_or_admin_token_may_read(make_client, token):
    client = make_client(read_tokens=[READ], admin_tokens=[ADMIN])
    assert client.get("/api/v1/items", headers=bearer(token)).status_code == 200
    assert client.get("/openapi.json", headers=bearer(token)).status_code == 200


def test_the_openapi_document_is_behind_read_auth(make_client):
    client = make_client(read_tokens=[READ])
    assert client.get("/openapi.json").status_code == 401
    assert client.get("/docs").status_code == 401


def test_a_read_token_on_a_write_is_403(make_client, tracker):
    client = make_client(read_tokens=[READ], admin_tokens=[ADMIN])
    response = client.post(SYNC, headers=bearer(READ))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_a_write_without_a_token_is_401_when_admin_tokens_are_configured(make_client, tracker):
    client = make_client(admin_tokens=[ADMIN])
    assert client.post(SYNC).status_code == 401
    assert client.post(SYNC, headers=bearer("guess")).status_code == 401


def test_every_write_is_403_when_no_admin_token_is_configured(make_client, tracker):
    client = make_client(read_tokens=[READ])
    assert client.post(SYNC, headers=bearer(READ)).status_code == 403
    open_client = make_client()
    assert open_client.post(SYNC).status_code == 403


def test_an_admin_token_may_write(make_client, tracker):
    client = make_client(read_tokens=[READ], admin_tokens=[ADMIN])
    assert client.post(SYNC, headers=bearer(ADMIN)).status_code == 202


# --- dashboard pages: Bearer or HTTP Basic (PageAccess) ---------------------------------

PAGE = "/_test-page"
CHALLENGE = 'Basic realm="followthrough", charset="UTF-8"'


def basic(user: str, password: str) -> dict[str, str]:
    pair = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


@pytest.fixture
def make_page_client(make_client):
    """An app from `create_app` plus one HTML page guarded by PageAccess, as a dashboard
    page is."""

    def make(**options: object):
        client = make_client(**options)
        pages = APIRouter(include_in_schema=False, dependencies=[PageAccess])

        @pages.get(PAGE, response_class=HTMLResponse)
        def page() -> str:
            return "<p>ok</p>"

        client.app.include_router(pages)
        return client

    return make


@pytest.mark.parametrize(
    "headers",
    [basic("anyone", READ), basic("", ADMIN), basic("me", f"{READ}"), bearer(READ)],
    ids=["basic-read", "basic-admin-no-user", "basic-any-user", "bearer"],
)
def test_a_page_takes_a_token_by_bearer_or_as_the_basic_password(make_page_client, headers):
    client = make_page_client(read_tokens=[READ], admin_tokens=[ADMIN])
    response = client.get(PAGE, headers=headers)
    assert response.status_code == 200
    assert response.text == "<p>ok</p>"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic("me", "guess"),
        basic(READ, ""),  # the token must be the password, not the user name
        {"Authorization": "Basic not-base64!"},
        {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
        bearer("guess"),
    ],
    ids=["missing", "wrong-password", "token-as-user", "not-base64", "no-colon", "bearer-guess"],
)
def test_a_page_refused_asks_the_browser_for_basic_credentials(make_page_client, headers):
    client = make_page_client(read_tokens=[READ], admin_tokens=[ADMIN])
    response = client.get(PAGE, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert response.headers["www-authenticate"] == CHALLENGE


def test_pages_are_open_when_no_read_tokens_are_configured_but_a_bad_token_is_401(
    make_page_client,
):
    client = make_page_client(admin_tokens=[ADMIN])
    assert client.get(PAGE).status_code == 200
    assert client.get(PAGE, headers=basic("me", "guess")).status_code == 401


def test_basic_credentials_are_refused_by_the_api_and_metrics(make_client):
    client = make_client(read_tokens=[READ])
    for path in ("/api/v1/items", "/metrics"):
        response = client.get(path, headers=basic("me", READ))
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"


def test_metrics_follows_the_read_rule(make_client):
    client = make_client(read_tokens=[READ], admin_tokens=[ADMIN])
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=bearer("guess")).status_code == 401
    assert client.get("/metrics", headers=bearer(READ)).status_code == 200
    assert client.get("/metrics", headers=bearer(ADMIN)).status_code == 200
    assert make_client().get("/metrics").status_code == 200


def test_every_token_comparison_is_constant_time(monkeypatch, make_client):
    """Each configured token is compared with hmac.compare_digest, all of them every time."""
    compared: list[bytes] = []
    real = deps.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append(b)
        return real(a, b)

    monkeypatch.setattr(deps.hmac, "compare_digest", spy)
    client = make_client(read_tokens=[READ, "read-2"], admin_tokens=[ADMIN], rate_limit="off")
    assert client.get("/api/v1/items", headers=bearer(READ)).status_code == 200
    assert sorted(compared) == sorted([READ.encode(), b"read-2", ADMIN.encode()])
