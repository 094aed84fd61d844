"""What the routes share for the life of the app: settings, database, clock, runner and,
when this process polls, the scheduler."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from service.clock import Clock
from service.config import Settings
from service.migrate import is_at_head
from service.scheduler import Scheduler
from service.store.item_queries import ItemScope
from service.sync.runner import SyncRunner


@dataclass
class Services:
    """The app's long-lived collaborators, created once by `create_app`."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    runner: SyncRunner
    scope: ItemScope
    scheduler: Scheduler | None = None

    def database_ready(self) -> bool:
        """The database answers and its schema is at the newest revision."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return is_at_head(self.engine)
        except SQLAlchemyError:
            return False
