"""API test fixtures: apps built by `create_app` over the test database and manual clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.config import ApiSettings, Settings, SourceSettings
from tests.support.readside import Mirror
from tests.support.scripted import KIND_ASC, AscendingConnector, ScriptedConfig

READ = "read-token"
ADMIN = "admin-token"

MakeClient = Callable[..., TestClient]


def settings(
    *,
    sources: Sequence[str] = ("demo", "other"),
    read_tokens: Sequence[str] = (),
    admin_tokens: Sequence[str] = (),
    people: Mapping[str, list[str]] | None = None,
    rate_limit: str | None = "600/1m",
) -> Settings:
    return Settings(
        database_url="sqlite://",  # unused: the test engine is injected
        sources=[
            SourceSettings(name=name, kind=KIND_ASC, connector=ScriptedConfig(name=name))
            for name in sources
        ],
        api=ApiSettings(
            read_tokens=list(read_tokens),
            admin_tokens=list(admin_tokens),
            rate_limit=rate_limit,
        ),
        people=dict(people or {}),
    )


@pytest.fixture
def make_client(engine, clock) -> Iterator[MakeClient]:
    """Builds a started TestClient for settings made from the keyword arguments."""
    clients: list[TestClient] = []

    def make(**options: object) -> TestClient:
        app = create_app(
            settings(**options),
            engine=engine,
            clock=clock,
            connectors={KIND_ASC: AscendingConnector},
        )
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: MakeClient) -> TestClient:
    """An app with sources `demo` and `other`, no tokens, no people map."""
    return make_client()


@pytest.fixture
def mirror(sessions) -> Mirror:
    return Mirror(sessions)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
