"""Dashboard test fixtures: the API tests' apps (sources `demo` and `other`, the test
database and manual clock), plus a mirror of the second source."""

from __future__ import annotations

import pytest

from tests.service.api.conftest import client, make_client, mirror  # noqa: F401 - fixtures
from tests.support.readside import Mirror


@pytest.fixture
def other(sessions) -> Mirror:
    return Mirror(sessions, source="other")
