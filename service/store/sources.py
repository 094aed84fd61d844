"""Repository for source rows: the configured sources as the mirror knows them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.store.models import Source


def ensure(session: Session, name: str, kind: str) -> None:
    """Create the source row, or update its kind, so items and runs can refer to it."""
    row = session.get(Source, name)
    if row is None:
        session.add(Source(name=name, kind=kind))
    elif row.kind != kind:
        row.kind = kind
