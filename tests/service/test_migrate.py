"""Migrations: upgrade from empty, downgrade to base, and the models match the migrations."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from service.db import make_engine
from service.migrate import current_revision, downgrade, head_revision, is_at_head, upgrade
from service.store.models import Base
from tests.conftest import require_postgres_url

MIRROR_TABLES = {t.name for t in Base.metadata.sorted_tables}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database with no schema at all."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        yield engine
        engine.dispose()
        return
    admin = make_engine(require_postgres_url()).execution_options(isolation_level="AUTOCOMMIT")
    name = f"ft_migrate_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    engine = make_engine(admin.url.set(database=name).render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
    admin.dispose()


def test_upgrade_from_empty_reaches_head_with_every_table(empty_engine: Engine) -> None:
    assert current_revision(empty_engine) is None
    assert not is_at_head(empty_engine)

    upgrade(empty_engine)

    assert current_revision(empty_engine) == head_revision(empty_engine)
    assert is_at_head(empty_engine)
    assert MIRROR_TABLES.issubset(inspect(empty_engine).get_table_names())


def test_upgrade_twice_is_harmless(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    upgrade(empty_engine)
    assert is_at_head(empty_engine)


def test_downgrade_to_base_removes_every_table_and_upgrade_restores(empty_engine: Engine) -> None:
    upgrade(empty_engine)

    downgrade(empty_engine)

    assert current_revision(empty_engine) is None
    assert not MIRROR_TABLES & set(inspect(empty_engine).get_table_names())
    upgrade(empty_engine)
    assert is_at_head(empty_engine)


def test_models_match_the_migrations(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    with empty_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


@pytest.mark.parametrize("empty_engine", ["postgresql"], indirect=True)  # SQLite: one replica
def test_replicas_upgrading_at_once_migrate_one_after_another(empty_engine: Engine) -> None:
    url = empty_engine.url.render_as_string(hide_password=False)
    script = (
        "import sys; from service.db import make_engine; from service.migrate import upgrade; "
        "upgrade(make_engine(sys.argv[1]))"
    )
    replicas = [
        subprocess.Popen([sys.executable, "-c", script, url], stderr=subprocess.PIPE)
        for _ in range(4)
    ]

    errors = [replica.communicate(timeout=60)[1].decode() for replica in replicas]

    assert [replica.returncode for replica in replicas] == [0] * 4, errors
    assert is_at_head(empty_engine)
