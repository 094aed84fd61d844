"""Bearer tokens: reads need a read or admin token when read tokens are configured, a
presented token must always be valid, and writes need an admin token."""

from __future__ import annotations

import pytest

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
