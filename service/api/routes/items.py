"""The items list (filters, sorts, as_of, cursor paging) and one item with its history."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from service.api.cursor import decode_cursor, encode_cursor
from service.api.deps import ServicesDep, SessionDep
from service.api.errors import not_found
from service.api.schemas import ErrorResponse, HistoryOut, ItemDetail, ItemList, ItemOut
from service.metrics.definitions import FlagCode
from service.metrics.items import item_detail, list_item_views
from service.metrics.query import (
    BadParameter,
    Boolean,
    ItemQuery,
    Sort,
    StateFilter,
    TypeFilter,
    build_item_query,
    item_query_params,
    parse_instant,
)

router = APIRouter(tags=["items"])

MAX_ID = 2**31 - 1  # items.id is a 32-bit INTEGER; a larger id is a 404, never a database error
AS_OF = "A date (00:00 UTC) or ISO 8601 date-time (no offset = UTC); default now"
NOT_PINNED = frozenset({"limit", "cursor"})


class ItemListParams(BaseModel):
    """Query parameters of `GET /api/v1/items` (CONTRACT §5 "Items")."""

    state: StateFilter = StateFilter.ACTIVE
    include_removed: Boolean = Boolean.FALSE
    overdue: Boolean | None = None
    stale: Boolean | None = None
    unowned: Boolean | None = None
    undated: Boolean | None = None
    flag: FlagCode | None = None
    owner: str | None = Field(None, description="Any owner, case-insensitive, or a people key")
    source: str | None = None
    incident: str | None = None
    type: TypeFilter | None = None
    key: str | None = Field(None, description="The current key or a previous one")
    as_of: str | None = Field(None, description=AS_OF)
    sort: Sort = Sort.OLDEST_FIRST
    limit: int = Field(100, ge=1, le=500)
    cursor: str | None = Field(None, description="A next_cursor; pins filters, sort, as_of")


@router.get("/items")
def list_items(
    params: Annotated[ItemListParams, Query()], services: ServicesDep, session: SessionDep
) -> ItemList:
    """Items that count at `as_of`, filtered and sorted, a page at a time."""
    query, after = _resolve(params, services.scope.sources, services.clock.now())
    listing = list_item_views(
        session, query, services.scope, now=services.clock.now(), limit=params.limit, after=after
    )
    cursor = None
    if listing.next_position is not None:
        cursor = encode_cursor(query, listing.next_position)
    return ItemList(
        items=[ItemOut.model_validate(view) for view in listing.items],
        next_cursor=cursor,
        as_of=query.as_of,
    )


@router.get(
    "/items/{item_id}",
    responses={404: {"model": ErrorResponse, "description": "No such item"}},
)
def get_item(
    item_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    services: ServicesDep,
    session: SessionDep,
    as_of: Annotated[str | None, Query(description=AS_OF)] = None,
) -> ItemDetail:
    """One item at `as_of` with its whole history (removed items included)."""
    now = services.clock.now()
    instant = now if as_of is None else parse_instant(as_of, "as_of")
    found = item_detail(session, item_id, services.scope, as_of=instant, now=now)
    if found is None:
        raise not_found(f"no item {item_id}")
    view, history = found
    return ItemDetail.model_validate(
        {
            **ItemOut.model_validate(view).model_dump(),
            "history": [
                HistoryOut.model_validate(
                    {"at": h.at, "field": h.field, "from": h.before, "to": h.after}
                )
                for h in history
            ],
        }
    )


def _resolve(
    params: ItemListParams, sources: Collection[str], now: datetime
) -> tuple[ItemQuery, list[object] | None]:
    """The query to answer and the position to continue after.

    With a cursor, its pinned query wins; a parameter sent alongside must agree with it.
    """
    sent = params.model_dump(exclude=set(NOT_PINNED), exclude_none=True)
    query = build_item_query({k: str(v) for k, v in sent.items()}, sources=sources, now=now)
    if params.cursor is None:
        return query, None
    pinned, position = decode_cursor(params.cursor, sources=sources, now=now)
    wanted, held = item_query_params(query), item_query_params(pinned)
    for name in sorted(params.model_fields_set - NOT_PINNED):
        if wanted.get(name) != held.get(name):
            raise BadParameter(name, "differs from the value the cursor pins")
    return pinned, position
