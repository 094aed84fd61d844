"""Review test fixtures: the API tests' apps and mirror writer, and apps whose read scope
carries a due-date policy."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from service.review.policy import DueDatePolicy
from tests.service.api.conftest import MakeClient, client, make_client, mirror

__all__ = ["client", "make_client", "mirror"]  # fixtures shared with the API tests

PolicyClient = Callable[[Mapping[str, timedelta]], TestClient]


@pytest.fixture
def policy_client(make_client: MakeClient) -> PolicyClient:
    """Builds an app (sources `demo` and `other`) reading with the given due-date policy."""

    def make(windows: Mapping[str, timedelta]) -> TestClient:
        made = make_client()
        services = made.app.state.services  # type: ignore[attr-defined]
        services.scope = replace(services.scope, policy=DueDatePolicy.from_config(windows))
        return made

    return make
