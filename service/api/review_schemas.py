"""Response models of `GET /api/v1/review` (CONTRACT §5 "Review packet")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from service.api.schemas import IncidentOut, ItemOut

State = Literal["open", "in_progress", "blocked", "done", "wont_do"]


class ReviewCountsOut(BaseModel):
    """Active counts as the summary defines them, and the sizes of the packet's lists."""

    model_config = ConfigDict(from_attributes=True)

    active: int
    open: int
    in_progress: int
    blocked: int
    overdue: int
    stale: int
    unowned: int
    undated: int
    policy_overdue: int = Field(description="Active items past their policy target date")
    hygiene: int = Field(description="Active items with a hygiene finding")
    themes: int
    created: int = Field(description="Items created since `since`")
    closed: int = Field(description="Items closed since `since` (done + wont_do)")
    done: int
    wont_do: int
    reopened: int
    newly_overdue: int
    slipped: int


class ThemeItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    title: str
    incident: str


class ThemeOut(BaseModel):
    """Similar active items from two or more incidents."""

    model_config = ConfigDict(from_attributes=True)

    label: str = Field(description="The shared component(s) and the common concepts")
    components: list[str]
    concepts: list[str]
    incidents: list[str]
    items: list[ThemeItemOut]


class ChangedItemOut(BaseModel):
    """An item in the changes section, with its state and due date at `since`."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    key: str
    title: str
    url: str
    incident: str | None
    owner: str | None
    created_at: datetime
    resolved_at: datetime | None
    state: State
    due_date: date | None
    days_overdue: int | None
    state_before: State | None = Field(description="State at `since`; null if not counted then")
    due_date_before: date | None = Field(description="Due date at `since`")


class ChangesOut(BaseModel):
    """What changed in `(since, as_of]`, each list by key."""

    model_config = ConfigDict(from_attributes=True)

    created: list[ChangedItemOut]
    closed: list[ChangedItemOut] = Field(description="Closed since; `state` is done or wont_do")
    reopened: list[ChangedItemOut] = Field(description="Closed at `since`, active now")
    newly_overdue: list[ChangedItemOut]
    slipped: list[ChangedItemOut] = Field(description="Due date later than at `since`")


class ReviewOut(BaseModel):
    """The review packet at `as_of`; every list is complete."""

    model_config = ConfigDict(from_attributes=True)

    as_of: datetime
    since: datetime
    counts: ReviewCountsOut
    overdue: list[ItemOut] = Field(description="Most days overdue first")
    blocked: list[ItemOut] = Field(description="Oldest first")
    stale: list[ItemOut] = Field(description="Longest without an update first")
    hygiene: list[ItemOut] = Field(description="Active items with a flag other than stale")
    incidents_all_closed: list[IncidentOut]
    incidents_none_closed: list[IncidentOut]
    incidents_missing_detection: list[IncidentOut]
    themes: list[ThemeOut]
    changes: ChangesOut
