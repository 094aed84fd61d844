"""Items as every reader shows them: the mirrored fields plus the definitions computed at T.

The API, the CLI `items` command and later reports call `list_item_views` and
`item_detail` rather than combining the store and the definitions themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from service.config import Settings
from service.metrics import definitions
from service.metrics.definitions import Flag, ItemAt
from service.metrics.people import People
from service.metrics.query import ItemQuery
from service.review import hygiene
from service.review.hygiene import HygieneItem
from service.review.policy import DueDatePolicy, Target
from service.store import item_queries
from service.store.item_queries import Decision, ItemRecord, ItemScope, JSONValue


@dataclass(frozen=True)
class ItemView:
    """One item object of the contract (§5 "Items")."""

    id: int
    source: str
    kind: str
    key: str
    previous_keys: list[str]
    external_id: str
    url: str
    title: str
    state: str
    raw_status: str
    resolution: str | None
    type: str | None
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
    flags: list[Flag]
    decision: Decision | None
    target_date: Target | None
    """The due-date policy's target date, for items without a due date that it covers."""


@dataclass(frozen=True)
class HistoryView:
    """One history entry `{at, field, from, to}`; owners shown as the people map shows them."""

    at: datetime
    field: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class ItemListing:
    """A page of item views; `next_position` continues it (see `list_item_views`)."""

    items: list[ItemView]
    next_position: list[JSONValue] | None


def item_scope(settings: Settings) -> ItemScope:
    """The read scope the configuration sets: its sources, staleness and people map."""
    return ItemScope(
        sources={source.name: source.kind for source in settings.sources},
        stale_after_days=settings.stale_after_days,
        people=People(settings.people),
        policy=DueDatePolicy.from_config(settings.due_date_policy),
    )


def list_item_views(
    session: Session,
    query: ItemQuery,
    scope: ItemScope,
    *,
    now: datetime,
    limit: int,
    after: Sequence[object] | None = None,
) -> ItemListing:
    """One page of the items `query` selects, as views at `query.as_of`.

    Pass a listing's `next_position` as `after` (with the same query) for the next page.
    """
    page = item_queries.list_items(session, query, scope, now=now, limit=limit, after=after)
    views = [item_view(record, query.as_of, scope) for record in page.records]
    return ItemListing(views, page.next_position)


def item_detail(
    session: Session, item_id: int, scope: ItemScope, *, as_of: datetime, now: datetime
) -> tuple[ItemView, list[HistoryView]] | None:
    """One item at T with its whole history, or None when it is not there to show."""
    record = item_queries.get_item(session, item_id, scope, as_of=as_of, now=now)
    if record is None:
        return None
    history = [
        HistoryView(
            at=entry.at,
            field=entry.field,
            before=_show(entry.field, entry.before, scope),
            after=_show(entry.field, entry.after, scope),
        )
        for entry in item_queries.item_history(session, item_id)
    ]
    return item_view(record, as_of, scope), history


def item_view(record: ItemRecord, as_of: datetime, scope: ItemScope) -> ItemView:
    """The record with age, overdue, staleness and flags computed at T."""
    at = ItemAt(
        state=record.state,
        owners=record.owners,
        due_date=record.due_date,
        type=record.type,
        incident=record.incident,
        created_at=record.created_at,
        updated_at=record.updated_at,
        has_decision=record.decision is not None,
    )
    days = scope.stale_after_days
    people = scope.people
    target = None
    if record.due_date is None:
        target = scope.policy.target(record.priority, record.labels, record.created_at)
    review = HygieneItem(
        title=record.title,
        state=record.state,
        owner=record.owner,
        due_date=record.due_date,
        priority=record.priority,
        labels=record.labels,
        created_at=record.created_at,
        facts=record.facts,
    )
    return ItemView(
        id=record.id,
        source=record.source,
        kind=record.kind,
        key=record.key,
        previous_keys=record.previous_keys,
        external_id=record.external_id,
        url=record.url,
        title=record.title,
        state=record.state,
        raw_status=record.raw_status,
        resolution=record.resolution,
        type=record.type,
        incident=record.incident,
        owner=None if record.owner is None else people.display(record.owner),
        owners=people.display_all(record.owners),
        priority=record.priority,
        due_date=record.due_date,
        created_at=record.created_at,
        updated_at=record.updated_at,
        resolved_at=record.resolved_at,
        removed_at=record.removed_at,
        labels=record.labels,
        age_days=definitions.age_days(record.created_at, as_of),
        overdue=definitions.is_overdue(record.state, record.due_date, as_of),
        days_overdue=definitions.days_overdue(record.state, record.due_date, as_of),
        stale=definitions.is_stale(record.state, record.updated_at, as_of, days),
        flags=[
            *definitions.flags(at, as_of, days),
            *hygiene.flags(review, as_of, scope.policy, target),
        ],
        decision=_decision(record.decision, scope),
        target_date=target,
    )


def _decision(decision: Decision | None, scope: ItemScope) -> Decision | None:
    """The decision with its author shown as the people map shows them."""
    if decision is None or decision.author is None:
        return decision
    return replace(decision, author=scope.people.display(decision.author))


def _show(history_field: str, value: str | None, scope: ItemScope) -> str | None:
    if history_field == "owner" and value is not None:
        return scope.people.display(value)
    return value
