"""Schema migrations with Alembic: upgrade to head, downgrade, and "is it at head?".

On PostgreSQL an upgrade holds a transaction-level advisory lock, so replicas starting
together migrate one after another (the later ones find the schema at head).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
MIGRATION_LOCK = 0x666F6C6C6F77  # "follow": the advisory lock key upgrades take


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to `engine` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to `revision` (default: the newest), one replica at a time."""
    with engine.begin() as connection:
        lock_migrations(connection)
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def lock_migrations(connection: Connection) -> None:
    """Wait for the migration lock, held until the transaction ends (PostgreSQL; SQLite
    serialises writers by itself)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Downgrade the schema to `revision` (default: empty)."""
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def head_revision(engine: Engine) -> str | None:
    """The newest revision the code knows."""
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None when it has no schema."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_at_head(engine: Engine) -> bool:
    return current_revision(engine) == head_revision(engine)
