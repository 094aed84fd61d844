"""A plain-Python reference of every CONTRACT §2 aggregate, written straight from the text
over a snapshot of the mirror's rows (items and history), for the API to be checked against.

Nothing here imports the service's definitions: values at T are read from the history
(the latest entry at or before T, ties to the highest id), and each number is computed by
looping over items exactly as §2 words it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from service.store.models import HistoryEntry
from service.store.models import Item as Row

ACTIVE = ("open", "in_progress", "blocked")
TYPES = ("prevention", "detection", "mitigation", "process")
DAY = 86400.0


@dataclass(frozen=True)
class Entry:
    id: int
    at: datetime
    field: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Stored:
    """One item row with its history."""

    id: int
    source: str
    key: str
    state: str
    owner: str | None
    owners: list[str]
    type: str | None
    incident: str | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    history: list[Entry]


@dataclass(frozen=True)
class At:
    """An item's values at T."""

    item: Stored
    counts: bool
    state: str
    owners: list[str]
    due: date | None


@dataclass(frozen=True)
class Filters:
    source: str | None = None
    owner: str | None = None
    incident: str | None = None
    type: str | None = None


def snapshot(sessions: sessionmaker[Session]) -> list[Stored]:
    """Every item row with its history entries."""
    with sessions() as session:
        rows = session.scalars(select(Row).order_by(Row.id)).all()
        entries = session.scalars(select(HistoryEntry)).all()
    history: dict[int, list[Entry]] = {}
    for e in entries:
        history.setdefault(e.item_id, []).append(Entry(e.id, e.at, e.field, e.before, e.after))
    return [
        Stored(
            id=r.id,
            source=r.source,
            key=r.key,
            state=r.state,
            owner=r.owner,
            owners=list(r.owners),
            type=r.type,
            incident=r.incident,
            created_at=r.created_at,
            updated_at=r.updated_at,
            resolved_at=r.resolved_at,
            history=history.get(r.id, []),
        )
        for r in rows
    ]


def value_at(item: Stored, field: str, t: datetime) -> tuple[bool, str | None]:
    """(found, value): the `after` of the latest entry of `field` at or before t."""
    entries = [e for e in item.history if e.field == field and e.at <= t]
    if not entries:
        return False, None
    return True, max(entries, key=lambda e: (e.at, e.id)).after


def at(item: Stored, t: datetime) -> At:
    """The item's values at t, from its history (owners: all current ones while the first
    owner is the current first owner, since history keeps only the first)."""
    found, state = value_at(item, "state", t)
    _, owner = value_at(item, "owner", t)
    _, due = value_at(item, "due_date", t)
    _, tracked = value_at(item, "tracked", t)
    if owner is None:
        owners = []
    elif owner == item.owner:
        owners = item.owners
    else:
        owners = [owner]
    return At(
        item=item,
        counts=item.created_at <= t and tracked == "true",
        state=state if found and state is not None else item.state,
        owners=owners,
        due=None if due is None else date.fromisoformat(due),
    )


def counted(
    items: Iterable[Stored],
    t: datetime,
    sources: Sequence[str],
    filters: Filters,
    people: Mapping[str, list[str]],
) -> list[At]:
    """Items that count at t in configured sources and pass the filters."""
    found = []
    for item in items:
        if item.source not in sources:
            continue
        v = at(item, t)
        if not v.counts or not passes(v, filters, people):
            continue
        found.append(v)
    return found


def names_for(owner: str, people: Mapping[str, list[str]]) -> set[str]:
    names = {owner.lower()}
    for key, aliases in people.items():
        group = {key.lower(), *(a.lower() for a in aliases)}
        if owner.lower() in group:
            names |= group
    return names


def display(name: str, people: Mapping[str, list[str]]) -> str:
    for key, aliases in people.items():
        if name.lower() in {key.lower(), *(a.lower() for a in aliases)}:
            return key
    return name


def passes(v: At, f: Filters, people: Mapping[str, list[str]]) -> bool:
    if f.source is not None and v.item.source != f.source:
        return False
    if f.owner is not None:
        wanted = names_for(f.owner, people)
        if not any(o.lower() in wanted for o in v.owners):
            return False
    if f.incident is not None and v.item.incident != f.incident:
        return False
    if f.type == "none":
        return v.item.type is None
    return f.type is None or v.item.type == f.type


def age(created: datetime, t: datetime) -> float:
    return (t - created).total_seconds() / DAY


def quantile(values: Sequence[float], q: float) -> float | None:
    """numpy's default (linear) quantile."""
    if not values:
        return None
    ordered = sorted(values)
    h = (len(ordered) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (h - lo)


def is_overdue(v: At, t: datetime) -> bool:
    return v.state in ACTIVE and v.due is not None and v.due < t.date()


def is_stale(v: At, t: datetime, stale_days: int) -> bool:
    updated = v.item.updated_at if v.item.updated_at <= t else t
    return v.state in ACTIVE and updated < t - timedelta(days=stale_days)


def summary(
    items: list[Stored],
    t: datetime,
    window: tuple[datetime, datetime],
    sources: Sequence[str],
    filters: Filters,
    people: Mapping[str, list[str]],
    stale_days: int = 30,
) -> dict[str, object]:
    """The summary object, field for field."""
    all_counted = counted(items, t, sources, filters, people)
    active = [v for v in all_counted if v.state in ACTIVE]
    ages = [age(v.item.created_at, t) for v in active]
    oldest = min(active, key=lambda v: (v.item.created_at, v.item.id), default=None)
    buckets = {"0-7": 0, "8-30": 0, "31-90": 0, "91+": 0}
    for a in ages:
        whole = math.floor(a)
        name = "0-7" if whole <= 7 else "8-30" if whole <= 30 else "31-90" if whole <= 90 else "91+"
        buckets[name] += 1
    start, end = window
    cohort = [v for v in all_counted if start <= v.item.created_at < end]
    done = sum(v.state == "done" for v in cohort)
    wont_do = sum(v.state == "wont_do" for v in cohort)
    due_in = [
        v
        for v in all_counted
        if v.due is not None and start.date() <= v.due < end.date() and v.due < t.date()
    ]
    on_time = [
        v
        for v in due_in
        if v.state == "done"
        and v.item.resolved_at is not None
        and v.item.resolved_at.date() <= v.due
    ]
    closed = [
        age(v.item.created_at, v.item.resolved_at)
        for v in all_counted
        if v.state == "done"
        and v.item.resolved_at is not None
        and start <= v.item.resolved_at < end
    ]
    return {
        "active": len(active),
        "open": sum(v.state == "open" for v in active),
        "in_progress": sum(v.state == "in_progress" for v in active),
        "blocked": sum(v.state == "blocked" for v in active),
        "overdue": sum(is_overdue(v, t) for v in active),
        "stale": sum(is_stale(v, t, stale_days) for v in active),
        "unowned": sum(not v.owners for v in active),
        "undated": sum(v.due is None for v in active),
        "oldest": None
        if oldest is None
        else {
            "id": oldest.item.id,
            "key": oldest.item.key,
            "age_days": age(oldest.item.created_at, t),
        },
        "age_days": {
            "p50": quantile(ages, 0.5),
            "p90": quantile(ages, 0.9),
            "max": max(ages, default=None),
        },
        "age_buckets": buckets,
        "by_type": {
            **{kind: sum(v.item.type == kind for v in active) for kind in TYPES},
            "none": sum(v.item.type is None for v in active),
        },
        "completion": {
            "created": len(cohort),
            "done": done,
            "wont_do": wont_do,
            "active": sum(v.state in ACTIVE for v in cohort),
            "completion_rate": done / (len(cohort) - wont_do) if len(cohort) - wont_do else None,
            "on_time_rate": len(on_time) / len(due_in) if due_in else None,
            "time_to_close_days": {"p50": quantile(closed, 0.5), "p90": quantile(closed, 0.9)},
        },
    }


def incidents(
    items: list[Stored], t: datetime, sources: Sequence[str], filters: Filters
) -> list[dict[str, object]]:
    """Incidents grouped by ref, ordered by active descending then ref."""
    groups: dict[str, list[At]] = {}
    for v in counted(items, t, sources, filters, {}):
        if v.item.incident is not None:
            groups.setdefault(v.item.incident, []).append(v)
    found = []
    for ref, members in groups.items():
        active = [v for v in members if v.state in ACTIVE]
        closed = [v for v in members if v.state not in ACTIVE]
        types = [
            k for k in TYPES if any(v.item.type == k and v.state != "wont_do" for v in members)
        ]
        found.append(
            {
                "ref": ref,
                "items": len(members),
                "active": len(active),
                "done": sum(v.state == "done" for v in members),
                "wont_do": sum(v.state == "wont_do" for v in members),
                "all_closed": not active,
                "none_closed": not closed,
                "oldest_active_age_days": max(
                    (age(v.item.created_at, t) for v in active), default=None
                ),
                "types": types,
                "missing_types": [k for k in TYPES if k not in types],
            }
        )
    return sorted(found, key=lambda i: (-i["active"], i["ref"]))  # type: ignore[operator]


def owners(
    items: list[Stored],
    t: datetime,
    sources: Sequence[str],
    filters: Filters,
    people: Mapping[str, list[str]],
    stale_days: int = 30,
) -> list[dict[str, object]]:
    """Owners of active items (people-map keys), active descending then owner."""
    item_filters = Filters(source=filters.source, incident=filters.incident, type=filters.type)
    rows: dict[str, dict[str, set[int] | list[float]]] = {}
    for v in counted(items, t, sources, item_filters, people):
        if v.state not in ACTIVE:
            continue
        for name in v.owners:
            if filters.owner is not None and name.lower() not in names_for(filters.owner, people):
                continue
            row = rows.setdefault(
                display(name, people),
                {"active": set(), "overdue": set(), "stale": set(), "ages": []},
            )
            row["active"].add(v.item.id)  # type: ignore[union-attr]
            if is_overdue(v, t):
                row["overdue"].add(v.item.id)  # type: ignore[union-attr]
            if is_stale(v, t, stale_days):
                row["stale"].add(v.item.id)  # type: ignore[union-attr]
            row["ages"].append(age(v.item.created_at, t))  # type: ignore[union-attr]
    found = [
        {
            "owner": name,
            "active": len(row["active"]),
            "overdue": len(row["overdue"]),
            "stale": len(row["stale"]),
            "oldest_active_age_days": max(row["ages"]),  # type: ignore[type-var]
        }
        for name, row in rows.items()
    ]
    return sorted(found, key=lambda o: (-o["active"], o["owner"]))  # type: ignore[operator]


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def trends(
    items: list[Stored],
    t: datetime,
    periods: Sequence[tuple[date, date]],
    sources: Sequence[str],
    filters: Filters,
) -> list[dict[str, object]]:
    """Per period: created and closing transitions of items counting at T (events at or
    before T), and items counted and active at the period's end (at T if that is earlier)."""
    at_t = counted(items, t, sources, filters, {})
    found = []
    for first, last in periods:
        start, end = midnight(first), midnight(last)
        created = sum(start <= v.item.created_at < end for v in at_t)
        closing = {"done": 0, "wont_do": 0}
        for v in at_t:
            for e in v.item.history:
                if (
                    e.field == "state"
                    and e.after in closing
                    and e.before != e.after
                    and start <= e.at < end
                    and e.at <= t
                ):
                    closing[e.after] += 1
        moment = min(end, t)
        active = sum(v.state in ACTIVE for v in counted(items, moment, sources, filters, {}))
        found.append(
            {
                "period_start": first.isoformat(),
                "created": created,
                "done": closing["done"],
                "wont_do": closing["wont_do"],
                "active_at_end": active,
            }
        )
    return found
