"""Response models of the REST API (CONTRACT §5): what each route answers, field for field."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

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


class DecisionOut(BaseModel):
    """The reason given for a wont_do decision: the comment nearest the decision, within an
    hour either side."""

    model_config = ConfigDict(from_attributes=True)

    text: str
    at: datetime
    author: str | None


class TargetDateOut(BaseModel):
    """A policy-derived target date: creation plus the window of the policy key that applies."""

    model_config = ConfigDict(from_attributes=True)

    date: date
    key: str = Field(description="The policy key that set it (a priority, severity or default)")
    days: float = Field(description="The key's window in days")
    derived_from: Literal["policy"] = "policy"


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
    decision: DecisionOut | None = Field(
        description="Why a wont_do item is not being done; null when none was found"
    )
    target_date: TargetDateOut | None = Field(
        description="For an item without a due date: the target the due-date policy derives"
    )


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


# Metrics (CONTRACT §2, §5).

TypeCounts = dict[Literal["prevention", "detection", "mitigation", "process", "none"], int]
ItemType = Literal["prevention", "detection", "mitigation", "process"]


class OldestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    age_days: float


class AgeSpreadOut(BaseModel):
    """Over active items; null when there are none."""

    model_config = ConfigDict(from_attributes=True)

    p50: float | None
    p90: float | None
    max: float | None


class CloseTimeOut(BaseModel):
    """Days from creation to resolution of done items resolved in the window."""

    model_config = ConfigDict(from_attributes=True)

    p50: float | None
    p90: float | None


class CompletionOut(BaseModel):
    """Completion over `[from, to)`: the cohort is the items created in the window."""

    model_config = ConfigDict(from_attributes=True)

    from_: datetime = Field(
        serialization_alias="from", validation_alias=AliasChoices("start", "from")
    )
    to: datetime = Field(validation_alias=AliasChoices("end", "to"))
    created: int
    done: int
    wont_do: int
    active: int
    completion_rate: float | None = Field(description="done / (created - wont_do)")
    on_time_rate: float | None = Field(
        description="Share of items due in the window (and before as_of) done by their due date"
    )
    time_to_close_days: CloseTimeOut


class SummaryOut(BaseModel):
    """The summary at `as_of`: counts, ages and buckets over active items; completion."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "as_of": "2026-03-02T12:00:00Z",
                    "active": 42,
                    "open": 30,
                    "in_progress": 9,
                    "blocked": 3,
                    "overdue": 7,
                    "stale": 5,
                    "unowned": 4,
                    "undated": 6,
                    "oldest": {"id": 17, "key": "OPS-112", "age_days": 140.5},
                    "age_days": {"p50": 21.2, "p90": 88.0, "max": 140.5},
                    "age_buckets": {"0-7": 10, "8-30": 14, "31-90": 15, "91+": 3},
                    "by_type": {
                        "prevention": 12,
                        "detection": 8,
                        "mitigation": 9,
                        "process": 5,
                        "none": 8,
                    },
                    "completion": {
                        "from": "2025-12-02T12:00:00Z",
                        "to": "2026-03-02T12:00:00Z",
                        "created": 60,
                        "done": 38,
                        "wont_do": 4,
                        "active": 18,
                        "completion_rate": 0.6786,
                        "on_time_rate": 0.55,
                        "time_to_close_days": {"p50": 9.5, "p90": 31.0},
                    },
                }
            ]
        },
    )

    as_of: datetime
    active: int
    open: int
    in_progress: int
    blocked: int
    overdue: int
    stale: int
    unowned: int
    undated: int
    oldest: OldestOut | None
    age_days: AgeSpreadOut
    age_buckets: dict[Literal["0-7", "8-30", "31-90", "91+"], int]
    by_type: TypeCounts
    completion: CompletionOut


class IncidentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    ref: str
    items: int
    active: int
    done: int
    wont_do: int
    all_closed: bool = Field(description="No active item")
    none_closed: bool = Field(description="No done or wont_do item")
    oldest_active_age_days: float | None
    types: list[ItemType] = Field(description="Types of the incident's items that are not wont_do")
    missing_types: list[ItemType]


class IncidentList(BaseModel):
    """Incidents by `active` descending, then `ref`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "as_of": "2026-03-02T12:00:00Z",
                    "incidents": [
                        {
                            "ref": "INC-481",
                            "items": 5,
                            "active": 2,
                            "done": 3,
                            "wont_do": 0,
                            "all_closed": False,
                            "none_closed": False,
                            "oldest_active_age_days": 33.2,
                            "types": ["prevention", "mitigation"],
                            "missing_types": ["detection", "process"],
                        }
                    ],
                }
            ]
        }
    )

    as_of: datetime
    incidents: list[IncidentOut]
    next_cursor: str | None = Field(
        None, description="Send back as `cursor=` for the next page; null on the last page"
    )


class OwnerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    owner: str
    active: int
    overdue: int
    stale: int
    oldest_active_age_days: float


class OwnerList(BaseModel):
    """Owners of active items by `active` descending, then `owner`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "as_of": "2026-03-02T12:00:00Z",
                    "owners": [
                        {
                            "owner": "Priya Shah",
                            "active": 6,
                            "overdue": 2,
                            "stale": 1,
                            "oldest_active_age_days": 71.0,
                        }
                    ],
                }
            ]
        }
    )

    as_of: datetime
    owners: list[OwnerOut]


class TrendPeriodOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    period_start: date
    created: int
    done: int = Field(description="Transitions into done in the period")
    wont_do: int = Field(description="Transitions into wont_do in the period")
    active_at_end: int = Field(description="Items counted and active at the period's end")


class TrendList(BaseModel):
    """Periods oldest first; counts are events in `[period_start, next period_start)`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "as_of": "2026-03-02T12:00:00Z",
                    "interval": "week",
                    "periods": [
                        {
                            "period_start": "2026-02-23",
                            "created": 7,
                            "done": 5,
                            "wont_do": 1,
                            "active_at_end": 42,
                        }
                    ],
                }
            ]
        }
    )

    as_of: datetime
    interval: Literal["week", "month"]
    periods: list[TrendPeriodOut]
