"""Response models of the REST API (CONTRACT §5): what each route answers, field for field."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from service.metrics.definitions import FlagCode

ErrorCode = Literal[
    "bad_parameter",
    "unauthorized",
    "forbidden",
    "not_found",
    "method_not_allowed",
    "conflict",
    "rate_limited",
    "unavailable",
    "internal",
]
SourceStatus = Literal["syncing", "never_synced", "ok", "misconfigured", "failing"]
RunStatus = Literal["running", "success", "partial", "failed", "rate_limited"]


class ErrorDetail(BaseModel):
    code: ErrorCode
    message: str
    param: str | None = Field(default=None, description="The bad query parameter, if one is")


class ErrorResponse(BaseModel):
    """Every error answer: `{"error": {"code", "message", "param"?}}`."""

    error: ErrorDetail


class HealthStatus(BaseModel):
    status: Literal["ok"] = "ok"


class SourceOut(BaseModel):
    name: str
    kind: str
    status: SourceStatus
    items: int = Field(description="Tracked items of this source")
    last_sync_started_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    next_run_at: datetime | None


class SourceList(BaseModel):
    sources: list[SourceOut]


class SyncStarted(BaseModel):
    run_id: int


class SyncRunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    started_at: datetime
    finished_at: datetime | None
    status: RunStatus
    items_seen: int
    items_changed: int
    item_errors: int
    items_removed: int
    requests: int
    error: str | None


class SyncRunList(BaseModel):
    runs: list[SyncRunOut]


class FlagOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: FlagCode
    message: str


class ItemOut(BaseModel):
    """One item; `age_days`, `overdue`, `days_overdue`, `stale` and `flags` are at `as_of`."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    kind: str
    key: str
    previous_keys: list[str]
    external_id: str
    url: str
    title: str
    state: Literal["open", "in_progress", "blocked", "done", "wont_do"]
    raw_status: str
    resolution: str | None
    type: Literal["prevention", "detection", "mitigation", "process"] | None
    incident: str | None
    owner: str | None
    owners: list[str]
    priority: str | None
    due_date: date | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    removed_at: datetime | None
    labels: list[str]
    age_days: float
    overdue: bool
    days_overdue: int | None
    stale: bool
    flags: list[FlagOut]


class ItemList(BaseModel):
    items: list[ItemOut]
    next_cursor: str | None = Field(description="Send back as `cursor=`; null on the last page")
    as_of: datetime


class HistoryOut(BaseModel):
    """One history entry; build it with `model_validate` since `from` is a keyword."""

    at: datetime
    field: Literal["state", "owner", "due_date", "tracked"]
    from_: str | None = Field(alias="from")
    to: str | None


class ItemDetail(ItemOut):
    history: list[HistoryOut]
