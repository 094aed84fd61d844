"""The route table: every route the app lists — including any added later, such as the
dashboard pages — enforces the read or the admin rule when tokens are configured. Only the
probes (`/healthz`, `/readyz`) are open. Routes are read from the app, never enumerated."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from tests.service.api.conftest import ADMIN, READ, bearer
from tests.service.api.route_table import Call, calls

PROBES = frozenset({"/healthz", "/readyz"})


def guarded(app: FastAPI) -> list[Call]:
    every = calls(app)
    assert {c.template for c in every} >= PROBES, "the route walk missed the probes"
    return [c for c in every if c.template not in PROBES]


def failures(client: Any, chosen: list[Call], headers: dict[str, str], ok: Any) -> list[str]:
    """`method path -> status` for each call whose status `ok` refuses."""
    wrong = []
    for call in chosen:
        response = client.request(call.method, call.path, headers=headers)
        if not ok(call, response.status_code):
            wrong.append(f"{call} -> {response.status_code}")
    return wrong


def test_the_walk_reaches_nested_routers_and_the_documents(make_client):
    client = make_client(read_tokens=[READ], admin_tokens=[ADMIN])
    seen = {str(c) for c in guarded(client.app)}
    assert {
        "GET /api/v1/items/{item_id}",
        "POST /api/v1/sources/{name}/sync",
        "GET /metrics",
        "GET /openapi.json",
        "GET /docs",
    } <= seen


def test_the_probes_are_open(make_client):
    client = make_client(read_tokens=[READ], admin_tokens=[ADMIN])
    assert [client.get(path).status_code for path in sorted(PROBES)] == [200, 200]


def test_every_other_route_is_401_without_a_token(make_client, tracker):
    client = make_client(read_tokens=[READ], admin_tokens=[ADMIN], rate_limit="off")
    chosen = guarded(client.app)

    def refused(_: Call, status: int) -> bool:
        return status == 401

    assert failures(client, chosen, {}, refused) == []
    for call in chosen:
        response = client.request(call.method, call.path)
        assert response.json()["error"]["code"] == "unauthorized", call
        assert response.headers["www-authenticate"].split()[0] in {"Bearer", "Basic"}, call


def test_every_other_route_is_401_for_an_unknown_token(make_client, tracker):
    client = make_client(read_tokens=[READ], admin_tokens=[ADMIN], rate_limit="off")
    assert failures(client, guarded(client.app), bearer("guess"), lambda _, s: s == 401) == []


def test_a_read_token_reads_every_route_and_is_403_on_every_write(make_client, tracker):
    client = make_client(read_tokens=[READ], admin_tokens=[ADMIN], rate_limit="off")

    def read_rule(call: Call, status: int) -> bool:
        return status == 403 if call.writes else status not in (401, 403)

    assert failures(client, guarded(client.app), bearer(READ), read_rule) == []


def test_an_admin_token_passes_every_route(make_client, tracker):
    client = make_client(read_tokens=[READ], admin_tokens=[ADMIN], rate_limit="off")
    chosen = guarded(client.app)
    assert any(call.writes for call in chosen)
    assert failures(client, chosen, bearer(ADMIN), lambda _, s: s not in (401, 403)) == []


def test_writes_need_an_admin_token_even_when_reads_are_open(make_client, tracker):
    client = make_client(admin_tokens=[ADMIN], rate_limit="off")
    writes = [call for call in guarded(client.app) if call.writes]
    assert failures(client, writes, {}, lambda _, s: s == 401) == []
    assert failures(client, writes, bearer(ADMIN), lambda _, s: s not in (401, 403)) == []
