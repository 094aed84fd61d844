"""The normalised work item every connector produces: the one schema shared by all trackers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class ItemState(StrEnum):
    """Normalised state; exactly one applies (closed > blocked > in_progress > open)."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"
    WONT_DO = "wont_do"

    @property
    def is_active(self) -> bool:
        return self in ACTIVE_STATES

    @property
    def is_closed(self) -> bool:
        return self in CLOSED_STATES


ACTIVE_STATES = frozenset({ItemState.OPEN, ItemState.IN_PROGRESS, ItemState.BLOCKED})
CLOSED_STATES = frozenset({ItemState.DONE, ItemState.WONT_DO})


class ItemType(StrEnum):
    """What kind of follow-up an action item is; listed in the contract's order."""

    PREVENTION = "prevention"
    DETECTION = "detection"
    MITIGATION = "mitigation"
    PROCESS = "process"


@dataclass(frozen=True)
class Item:
    """One tracked work item as the tracker showed it at `updated_at`.

    `external_id` is the tracker's stable id (never the human key); `partition` names the
    listing that produced it. Times are timezone-aware UTC.
    """

    external_id: str
    key: str
    url: str
    title: str
    state: ItemState
    raw_status: str
    created_at: datetime
    updated_at: datetime
    partition: str = ""
    resolution: str | None = None
    type: ItemType | None = None
    incident: str | None = None
    owners: tuple[str, ...] = ()
    priority: str | None = None
    due_date: date | None = None
    resolved_at: datetime | None = None
    labels: tuple[str, ...] = ()
    previous_keys: tuple[str, ...] = field(default=())

    @property
    def owner(self) -> str | None:
        """The first assignee, or None when unassigned."""
        return self.owners[0] if self.owners else None


class HistoryField(StrEnum):
    """Item fields whose changes are kept as history."""

    STATE = "state"
    OWNER = "owner"
    DUE_DATE = "due_date"
    TRACKED = "tracked"


@dataclass(frozen=True)
class Change:
    """One change of an item's field as the tracker's own history records it."""

    external_id: str
    at: datetime
    field: HistoryField
    before: str | None
    after: str | None
