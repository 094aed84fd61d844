"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from service.app import create_app
from service.db import make_engine
from tests.service.api.conftest import READ, settings


def test_healthz_answers_ok(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_answers_ok_on_a_migrated_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_503_unavailable_on_an_unmigrated_database(tmp_path, clock):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        with TestClient(create_app(settings(), engine=engine, clock=clock)) as client:
            response = client.get("/readyz")
            assert client.get("/healthz").status_code == 200
    finally:
        engine.dispose()
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"


def test_probes_need_no_token_when_read_tokens_are_configured(make_client):
    client = make_client(read_tokens=[READ])
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/api/v1/sources").status_code == 401
