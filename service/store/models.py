"""The SQL mirror: sources, items with their keys, owners and history, sync runs and state.

Relationships load with `lazy="raise"` so an accidental lazy load fails loudly.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from service.store.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}  # noqa: RUF012


class Source(Base):
    """A configured source as last seen in the config file (rows outlive config removal)."""

    __tablename__ = "sources"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))


class Item(Base):
    """One mirrored work item; never deleted, `removed_at` marks items no longer tracked."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_items_source_external_id"),
        # Covering indexes for the metrics (migration 0002), with `history_until` last
        # (0008) so items unchanged since a past T are read from the same ranges; `id`
        # joins the tracked items by state to their owners.
        Index(
            "ix_items_tracked_cover",
            "source",
            "removed_at",
            "state",
            "created_at",
            "due_date",
            "updated_at",
            "type",
            "owner",
            "history_until",
            "id",
        ),
        Index(
            "ix_items_created_cover", "source", "removed_at", "created_at", "state", "history_until"
        ),
        Index(
            "ix_items_due_cover",
            "source",
            "removed_at",
            "due_date",
            "created_at",
            "state",
            "resolved_at",
            "history_until",
        ),
        Index(
            "ix_items_resolved_cover",
            "source",
            "removed_at",
            "state",
            "resolved_at",
            "created_at",
            "history_until",
        ),
        Index(
            "ix_items_incident_cover",
            "source",
            "removed_at",
            "incident",
            "state",
            "type",
            "created_at",
            "history_until",
        ),
        # Items with history after a past T (migration 0006, covering since 0008).
        Index("ix_items_history_until", "history_until", "created_at", "source", "id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(ForeignKey("sources.name"), index=False)
    external_id: Mapped[str] = mapped_column(String(200))
    partition: Mapped[str] = mapped_column(String(300), default="")
    key: Mapped[str] = mapped_column(String(300))
    previous_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20))
    raw_status: Mapped[str] = mapped_column(String(200))
    resolution: Mapped[str | None] = mapped_column(String(200))
    type: Mapped[str | None] = mapped_column(String(20))
    incident: Mapped[str | None] = mapped_column(String(200))
    owner: Mapped[str | None] = mapped_column(String(300))
    owners: Mapped[list[str]] = mapped_column(JSON, default=list)
    priority: Mapped[str | None] = mapped_column(String(100))
    due_date: Mapped[date | None] = mapped_column(Date)
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    removed_at: Mapped[datetime | None]
    first_seen_at: Mapped[datetime]
    last_synced_at: Mapped[datetime]
    history_until: Mapped[datetime | None]
    """When the item's latest history entry is; values at a later T need no lookup."""
    # The reason for a wont_do decision (migration 0004): the nearest comment's text, time
    # and author. `decision_checked_at` is when the search ended (found, or its window had
    # passed); NULL on a wont_do item means it is still to be searched.
    decision: Mapped[str | None] = mapped_column(Text)
    decision_at: Mapped[datetime | None]
    decision_author: Mapped[str | None] = mapped_column(String(300))
    decision_checked_at: Mapped[datetime | None]

    history: Mapped[list[HistoryEntry]] = relationship(
        lazy="raise", order_by="HistoryEntry.at", viewonly=True
    )


class ItemKey(Base):
    """Every key an item has had (current and previous), for lookups by an old key."""

    __tablename__ = "item_keys"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(300), primary_key=True, index=True)


class ItemOwner(Base):
    """One assignee of an item; `owner_lower` serves case-insensitive owner filters."""

    __tablename__ = "item_owners"
    # The owners rollup joins an item's owners from this alone (migration 0006).
    __table_args__ = (Index("ix_item_owners_item_owner", "item_id", "owner"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(300))
    owner_lower: Mapped[str] = mapped_column(String(300), index=True)


class HistoryEntry(Base):
    """A change of an item's state, owner, due date or tracked status.

    `observed` is true when the time is our sync time rather than the tracker's own record.
    """

    __tablename__ = "item_history"
    __table_args__ = (
        # Covering since migration 0008: an item's values at T from one index page.
        Index("ix_item_history_item_field_at", "item_id", "field", "at", "id", "to_value"),
        Index("ix_item_history_field_item_at", "field", "item_id", "at", "id", "to_value"),
        Index("ix_item_history_field_value_at", "field", "to_value", "at", "item_id", "from_value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    at: Mapped[datetime]
    field: Mapped[str] = mapped_column(String(20))
    before: Mapped[str | None] = mapped_column("from_value", String(300))
    after: Mapped[str | None] = mapped_column("to_value", String(300))
    observed: Mapped[bool] = mapped_column(Boolean, default=True)


RUNNING = "running"
"""The status of a sync run not finished yet; every other status is final."""


class SyncRun(Base):
    """One sync pass of one source, with its outcome and counts."""

    __tablename__ = "sync_runs"
    __table_args__ = (
        Index("ix_sync_runs_source_started", "source", "started_at"),
        Index("ix_sync_runs_source_status_finished", "source", "status", "finished_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(ForeignKey("sources.name"))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20))
    owner: Mapped[str | None] = mapped_column(String(300))
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    items_seen: Mapped[int] = mapped_column(Integer, default=0)
    items_changed: Mapped[int] = mapped_column(Integer, default=0)
    item_errors: Mapped[int] = mapped_column(Integer, default=0)
    items_removed: Mapped[int] = mapped_column(Integer, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    request_statuses: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    error_kind: Mapped[str | None] = mapped_column(String(20))
    error_details: Mapped[list[str]] = mapped_column(JSON, default=list)
    retry_at: Mapped[datetime | None]
    reconciled: Mapped[bool] = mapped_column(Boolean, default=False)


class SyncCounter(Base):
    """A running total over a source's finished sync runs (`name` with its `label`: runs by
    status, requests by status code, the duration histogram), added to in the transaction
    that finishes each run, so a Prometheus scrape never reads every run."""

    __tablename__ = "sync_counters"

    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[float] = mapped_column(Float, default=0.0)


class Lease(Base):
    """The claim on a source's sync: who holds it, until when (database clock), and the
    fencing token every claim increments."""

    __tablename__ = "leases"

    source: Mapped[str] = mapped_column(ForeignKey("sources.name"), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(300))
    fence: Mapped[int] = mapped_column(BigInteger, default=0)
    lease_until: Mapped[datetime | None]


class PartitionStateRow(Base):
    """Saved sync progress of one partition of one source."""

    __tablename__ = "sync_state"

    source: Mapped[str] = mapped_column(ForeignKey("sources.name"), primary_key=True)
    partition: Mapped[str] = mapped_column(String(300), primary_key=True)
    cursor: Mapped[datetime | None]
    etag: Mapped[str | None] = mapped_column(String(300))
    resume_token: Mapped[str | None] = mapped_column(Text)
    high_water: Mapped[datetime | None]


class IncidentRollup(Base):
    """Counts of one source's tracked items of one incident, as they stand now.

    Derived from `items` at write time (see `service.store.derived`), so listing
    incidents reads one row per incident and source instead of grouping every item.
    """

    __tablename__ = "incident_rollups"
    __table_args__ = (
        # Pages of incidents read only these columns (migration 0006).
        Index("ix_incident_rollups_page", "incident", "source", "active", "done", "wont_do"),
    )

    incident: Mapped[str] = mapped_column(String(200), primary_key=True)
    source: Mapped[str] = mapped_column(ForeignKey("sources.name"), primary_key=True)
    items: Mapped[int] = mapped_column(Integer)
    active: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer)
    wont_do: Mapped[int] = mapped_column(Integer)
    oldest_active_created_at: Mapped[datetime | None]
    latest_created_at: Mapped[datetime]
    prevention: Mapped[int] = mapped_column(Integer)
    """Items of this type that are not wont_do (likewise the next three)."""
    detection: Mapped[int] = mapped_column(Integer)
    mitigation: Mapped[int] = mapped_column(Integer)
    process: Mapped[int] = mapped_column(Integer)


class ActiveStretch(Base):
    """A span `[start, end)` in which an item was tracked and active; `end` null: still is.

    Derived from the state and tracked history at write time (see `service.store.derived`),
    so trends count active items at period ends without walking the history.
    """

    __tablename__ = "active_stretches"
    __table_args__ = (
        Index("ix_active_stretches_source_start", "source", "start"),
        Index("ix_active_stretches_source_end", "source", "end"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    source: Mapped[str] = mapped_column(String(100))
    start: Mapped[datetime]
    end: Mapped[datetime | None]


class Closing(Base):
    """A history transition of an item into `done` or `wont_do`, with whether the item is
    tracked now.

    Derived from the state history and `removed_at` at write time (see
    `service.store.derived`), so trends count closings per period as index ranges
    without looking up every closed item.
    """

    __tablename__ = "closings"
    __table_args__ = (Index("ix_closings_state_tracked_at", "state", "tracked", "at", "source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    source: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(20))
    tracked: Mapped[bool] = mapped_column(Boolean)
