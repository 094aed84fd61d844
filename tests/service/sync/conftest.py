"""Fixtures for runner tests: both page orders, a source on the scripted tracker, a runner,
and fresh databases for stateful tests."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from service.clock import ManualClock
from service.config import SourceSettings
from service.db import make_engine, make_session_factory
from service.sync.runner import SyncRunner
from tests.conftest import truncate_all
from tests.support.scripted import CONNECTORS, KIND_ASC, KIND_DESC, ScriptedConfig


@pytest.fixture(params=[KIND_ASC, KIND_DESC])
def kind(request: pytest.FixtureRequest) -> str:
    """Each runner test runs for both page orders: ascending and newest first."""
    return str(request.param)


def scripted_source(name: str, kind: str, page_size: int = 3) -> SourceSettings:
    return SourceSettings(
        name=name, kind=kind, connector=ScriptedConfig(name=name, page_size=page_size)
    )


@pytest.fixture
def source(kind: str) -> SourceSettings:
    """Source `demo` on the `tracker` fixture, three items a page."""
    return scripted_source("demo", kind)


@pytest.fixture
def runner(sessions: sessionmaker[Session], clock: ManualClock) -> SyncRunner:
    return SyncRunner(sessions, clock, CONNECTORS)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_sessions(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[Callable[[], sessionmaker[Session]]]:
    """A factory of empty, migrated databases, one per Hypothesis example."""
    engines: list[Engine] = []
    if request.param == "sqlite":

        def new() -> sessionmaker[Session]:
            for engine in engines:
                engine.dispose()
            path = tmp_path / f"example-{len(engines)}.db"
            shutil.copy(sqlite_template, path)
            engines.append(make_engine(f"sqlite:///{path}"))
            return make_session_factory(engines[-1])

        yield new
        for engine in engines:
            engine.dispose()
        return
    postgres: Engine = request.getfixturevalue("postgres_engine")

    def empty() -> sessionmaker[Session]:
        truncate_all(postgres)
        return make_session_factory(postgres)

    yield empty
    truncate_all(postgres)
