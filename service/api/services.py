"""What the routes share for the life of the app: settings, database, clock and runner."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from service.clock import Clock
from service.config import Settings, SourceSettings
from service.migrate import is_at_head
from service.store import runs as run_store
from service.store.item_queries import ItemScope
from service.sync.runner import SyncRunner


class SyncAlreadyRunning(Exception):
    """The source has a run open; a second one is refused."""


@dataclass
class Services:
    """The app's long-lived collaborators, created once by `create_app`."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    runner: SyncRunner
    scope: ItemScope
    _sync_lock: threading.Lock = field(default_factory=threading.Lock)

    def database_ready(self) -> bool:
        """The database answers and its schema is at the newest revision."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return is_at_head(self.engine)
        except SQLAlchemyError:
            return False

    def start_sync(self, source: SourceSettings) -> int:
        """Open a run for `source` unless one is open (raises SyncAlreadyRunning).

        The lock serialises this process's check-and-open; across processes the
        scheduler's leases decide.
        """
        with self._sync_lock:
            with self.sessions() as session:
                if run_store.running(session, source.name) is not None:
                    raise SyncAlreadyRunning(source.name)
            return self.runner.open_run(source)
