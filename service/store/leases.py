"""Repository for source leases: the claim on a source's sync, with a fencing token.

Lease times come from the database's clock, which every replica shares. A claim bumps the
fence; a page commits only while the writer's fence is still the row's (`renew`), so a
stalled worker whose lease passed to another can write nothing. On PostgreSQL a claim
skips a row another transaction holds (`FOR UPDATE SKIP LOCKED`); SQLite serialises
writers and is single-replica.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service.store.models import Lease

_SQLITE_TIME = "%Y-%m-%d %H:%M:%f000"  # SQLAlchemy's stored format: microseconds


class StaleFence(Exception):
    """The lease passed to another owner: this writer's fence is no longer current."""

    def __init__(self, source: str, fence: int) -> None:
        super().__init__(f"the lease on {source!r} passed to another sync (fence {fence} is stale)")
        self.source = source
        self.fence = fence


@dataclass(frozen=True)
class Held:
    """A lease this process holds: the source, who holds it and the fence it got."""

    source: str
    owner: str
    fence: int


def claim(session: Session, source: str, owner: str, ttl: timedelta) -> Held | None:
    """Take the source's lease when it is free or expired; None while another holds it.

    The source row must exist. Commit the session to make the claim visible.
    """
    _insert_missing(session, source)
    expired = or_(Lease.lease_until.is_(None), Lease.lease_until < _now(session))
    free = (
        select(Lease.source)
        .where(Lease.source == source, expired)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    fence = session.execute(
        update(Lease)
        .where(Lease.source == free)
        .values(owner=owner, lease_until=_later(session, ttl), fence=Lease.fence + 1)
        .returning(Lease.fence)
    ).scalar_one_or_none()
    return None if fence is None else Held(source, owner, fence)


def renew(session: Session, held: Held, ttl: timedelta) -> None:
    """Extend the lease while its fence is still current, else raise StaleFence.

    Called first in every transaction that writes for a run: on PostgreSQL it locks the
    lease row until the commit, so no claim can slip in between check and commit.
    """
    if not _touch(session, held, _later(session, ttl)):
        raise StaleFence(held.source, held.fence)


def release(session: Session, held: Held) -> bool:
    """Free the lease if `held` is still current; False when it had passed to another."""
    return _touch(session, held, None)


def held_sources(session: Session, sources: Sequence[str]) -> set[str]:
    """The sources among `sources` whose lease is held (claimed and not expired) now."""
    return set(
        session.scalars(
            select(Lease.source).where(
                Lease.source.in_(list(sources)), Lease.lease_until >= _now(session)
            )
        )
    )


def database_now(session: Session) -> datetime:
    """The database's current time (the clock leases are measured by)."""
    now: datetime = session.execute(select(_now(session).label("now"))).scalar_one()
    return now


def _touch(session: Session, held: Held, until: ColumnElement[datetime] | None) -> bool:
    result = session.execute(
        update(Lease)
        .where(Lease.source == held.source, Lease.fence == held.fence, Lease.owner == held.owner)
        .values(lease_until=until)
        .returning(Lease.fence)
    )
    return result.scalar_one_or_none() is not None


def _insert_missing(session: Session, source: str) -> None:
    """Create the source's lease row once. Looked up first: an insert, even one that does
    nothing, would wait for a page transaction that holds the row."""
    if session.scalar(select(Lease.fence).where(Lease.source == source)) is not None:
        return
    values = {"source": source, "fence": 0}
    if _dialect(session) == "postgresql":
        session.execute(postgresql.insert(Lease).values(values).on_conflict_do_nothing())
    else:
        session.execute(sqlite.insert(Lease).values(values).on_conflict_do_nothing())


def _now(session: Session) -> ColumnElement[datetime]:
    """The database clock as naive UTC, comparable with the stored lease times."""
    if _dialect(session) == "postgresql":
        return func.timezone("UTC", func.now(), type_=Lease.lease_until.type)
    return func.strftime(_SQLITE_TIME, "now", type_=Lease.lease_until.type)


def _later(session: Session, ttl: timedelta) -> ColumnElement[datetime]:
    """The database clock plus `ttl`."""
    seconds = ttl.total_seconds()
    if _dialect(session) == "postgresql":
        return func.timezone(
            "UTC",
            func.now() + func.make_interval(0, 0, 0, 0, 0, 0, literal(seconds)),
            type_=Lease.lease_until.type,
        )
    return func.strftime(_SQLITE_TIME, "now", f"+{seconds} seconds", type_=Lease.lease_until.type)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name
