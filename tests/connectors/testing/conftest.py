"""Fixtures for the fake GitHub: a fresh fake with two repos, and an in-process client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from connectors.testing import FakeGitHub

AUTH = {"Authorization": "token test-token"}


@pytest.fixture
def fake() -> FakeGitHub:
    fake = FakeGitHub()
    fake.add_repo("acme/api")
    fake.add_repo("acme/web")
    return fake


@pytest.fixture
def client(fake: FakeGitHub) -> Iterator[TestClient]:
    with TestClient(fake.app, headers=AUTH) as client:
        yield client


def walk(client: TestClient, url: str, **params: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """Follow `Link: rel=next` from `url`; return every item and every URL requested."""
    items: list[dict[str, Any]] = []
    urls: list[str] = []
    next_url: str | None = url
    first = True
    while next_url is not None:
        response = client.get(next_url, params=params if first and params else None)
        assert response.status_code == 200, response.text
        urls.append(str(response.url))
        items.extend(response.json())
        next_url = response.links.get("next", {}).get("url")
        first = False
    return items, urls
