"""Shared fixtures: a migrated database per test (SQLite, and PostgreSQL when configured),
a manual clock, and the scripted connectors."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from service.clock import ManualClock
from service.db import make_engine, make_session_factory
from service.migrate import upgrade
from service.store.models import Base
from tests.support import scripted

POSTGRES_URL_ENV = "FOLLOWTHROUGH_TEST_POSTGRES_URL"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def require_postgres_url() -> str:
    """The test PostgreSQL's URL. Without one the test is skipped locally, but under CI
    (where .ci/run provides a database) it fails: a skipped PostgreSQL test is not a pass."""
    url = os.environ.get(POSTGRES_URL_ENV)
    if url:
        return url
    message = f"PostgreSQL tests need {POSTGRES_URL_ENV}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def truncate_all(engine: Engine) -> None:
    """Empty every table of the mirror (PostgreSQL per-test isolation)."""
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    engine = make_engine(require_postgres_url())
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[str]:
    """The URL of an empty, migrated database private to this test."""
    yield from private_database(request.param, request, sqlite_template, tmp_path)


def private_database(
    kind: str, request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[str]:
    """For a fixture: the URL of an empty, migrated database of `kind` (`sqlite` or
    `postgresql`) private to the requesting test, emptied again afterwards."""
    if kind == "sqlite":
        path = tmp_path / "followthrough.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    engine: Engine = request.getfixturevalue("postgres_engine")
    truncate_all(engine)
    yield engine.url.render_as_string(hide_password=False)
    truncate_all(engine)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture(autouse=True, scope="session")
def scripted_connectors() -> None:
    scripted.install()


@pytest.fixture
def tracker() -> Iterator[scripted.ScriptedTracker]:
    """A fresh scripted tracker registered as source `demo`."""
    tracker = scripted.ScriptedTracker()
    scripted.TRACKERS["demo"] = tracker
    yield tracker
    scripted.TRACKERS.pop("demo", None)
