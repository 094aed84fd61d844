"""Read-side item queries: values at a past T from history, who counts at T, keyset pages
in every sort (ties included), and positions that do not fit."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest

from connectors.item import Item, ItemState
from service.metrics.query import ItemFilters, ItemQuery, Sort, StateFilter
from service.store.item_queries import (
    InvalidPosition,
    ItemScope,
    get_item,
    list_items,
    tracked_counts,
)
from tests.conftest import NOW
from tests.support.readside import Mirror, item

SCOPE = ItemScope(sources={"demo": "scripted"}, stale_after_days=30)
STATES = list(ItemState)
PEOPLE = ["ana", "bo", "cy"]


@dataclass
class Timeline:
    """An independent model of one item's values over time, as the history rules say."""

    created: datetime
    entries: dict[str, list[tuple[datetime, object]]] = field(default_factory=dict)
    owners: list[str] = field(default_factory=list)

    def record(self, name: str, at: datetime, value: object) -> None:
        held = self.entries.setdefault(name, [])
        if not held or held[-1][1] != value:
            held.append((at, value))

    def value(self, name: str, at: datetime) -> object:
        return [v for t, v in self.entries[name] if t <= at][-1]


def version(rng: random.Random, number: int, created: datetime, updated: datetime) -> Item:
    state = rng.choice(STATES)
    return item(
        number,
        created_at=created,
        updated_at=updated,
        state=state,
        resolved_at=created + (updated - created) / 2 if state.is_closed else None,
        owners=tuple(rng.sample(PEOPLE, rng.choice([0, 1, 1, 2]))),
        due_date=rng.choice([None, date(2026, 2, 1), date(2026, 3, 15)]),
    )


def build(sessions, rng: random.Random) -> dict[int, Timeline]:
    """Random items, two later syncs with changes and a removal; returns the model by id."""
    mirror = Mirror(sessions)
    first_sync = NOW - timedelta(days=40)
    models: dict[str, Timeline] = {}
    first = []
    for n in range(1, 21):
        created = first_sync - timedelta(days=rng.randint(1, 60))
        v = version(rng, n, created, first_sync - timedelta(hours=1))
        first.append(v)
        model = models[v.external_id] = Timeline(created, owners=list(v.owners))
        if v.state.is_closed:
            model.record("state", created, "open")
            assert v.resolved_at is not None
            model.record("state", v.resolved_at, v.state.value)
        else:
            model.record("state", created, v.state.value)
        model.record("owner", created, v.owner)
        model.record("due_date", created, v.due_date)
        model.record("tracked", created, True)
    mirror.put(*first, at=first_sync)
    for sync in (first_sync + timedelta(days=10), first_sync + timedelta(days=20)):
        for n in range(1, 21):
            if rng.random() < 0.5:
                model = models[f"id-{n}"]
                v = version(rng, n, model.created, sync)
                mirror.put(v, at=sync)
                model.record("state", sync, v.state.value)
                model.record("owner", sync, v.owner)
                model.record("due_date", sync, v.due_date)
                model.owners = list(v.owners)
    removed_at = first_sync + timedelta(days=30)
    removed = [f"id-{n}" for n in range(1, 21) if rng.random() < 0.2]
    mirror.remove(removed, at=removed_at)
    for external_id in removed:
        models[external_id].record("tracked", removed_at, False)
    ids = mirror.ids()
    return {ids[external_id]: model for external_id, model in models.items()}


def everything(as_of: datetime, **filters: object) -> ItemQuery:
    values: dict[str, object] = {"state": StateFilter.ALL}
    values.update(filters)
    return ItemQuery(ItemFilters(**values), Sort.OLDEST_FIRST, as_of)  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", [7, 8])
def test_state_owner_and_due_date_at_a_past_instant_come_from_history(sessions, seed):
    rng = random.Random(seed)
    models = build(sessions, rng)
    instants = [NOW - timedelta(days=n) for n in (90, 41, 35, 25, 15, 5)] + [NOW]
    with sessions() as session:
        for as_of in instants:
            for item_id, model in models.items():
                record = get_item(session, item_id, SCOPE, as_of=as_of, now=NOW)
                if model.created > as_of:
                    assert record is None
                    continue
                assert record is not None
                assert record.state == model.value("state", as_of), (as_of, item_id)
                owner = model.value("owner", as_of)
                assert record.owner == owner
                assert record.due_date == model.value("due_date", as_of)
                current_first = model.owners[0] if model.owners else None
                expected_owners = (
                    model.owners if owner == current_first else ([owner] if owner else [])
                )
                assert record.owners == expected_owners


@pytest.mark.parametrize("seed", [7, 8])
def test_an_item_counts_at_t_once_created_and_while_tracked(sessions, seed):
    rng = random.Random(seed)
    models = build(sessions, rng)
    with sessions() as session:
        for days in (90, 41, 25, 5, 0):
            as_of = NOW - timedelta(days=days)
            listed = list_items(session, everything(as_of), SCOPE, now=NOW, limit=500)
            expected = {
                item_id
                for item_id, model in models.items()
                if model.created <= as_of and model.value("tracked", as_of)
            }
            assert {r.id for r in listed.records} == expected, as_of
            with_removed = list_items(
                session, everything(as_of, include_removed=True), SCOPE, now=NOW, limit=500
            )
            created = {i for i, m in models.items() if m.created <= as_of}
            assert {r.id for r in with_removed.records} == created


def test_items_of_sources_outside_the_scope_are_never_listed_or_found(sessions):
    Mirror(sessions, source="gone").put(item(1), at=NOW)
    with sessions() as session:
        assert list_items(session, everything(NOW), SCOPE, now=NOW, limit=10).records == []
        (item_id,) = Mirror(sessions, source="gone").ids().values()
        assert get_item(session, item_id, SCOPE, as_of=NOW, now=NOW) is None


def test_tracked_counts_leave_out_removed_items(sessions):
    mirror = Mirror(sessions)
    mirror.put(item(1), item(2), item(3), at=NOW)
    mirror.remove(["id-2"], at=NOW)
    with sessions() as session:
        assert tracked_counts(session, ["demo", "other"]) == {"demo": 2}


# Keyset paging.


def tied_mirror(sessions) -> None:
    """Items that tie on created, updated and due dates, some undated, some overdue."""
    base = NOW - timedelta(days=50)
    dues = [None, date(2026, 1, 20), date(2026, 2, 10), date(2026, 3, 20)]
    states = [ItemState.OPEN, ItemState.BLOCKED, ItemState.DONE]
    versions = [
        item(
            n,
            created_at=base + timedelta(days=n % 3),
            updated_at=base + timedelta(days=5 + n % 2),
            due_date=dues[n % 4],
            state=states[n % 3],
        )
        for n in range(1, 15)
    ]
    Mirror(sessions).put(*versions, at=base + timedelta(days=10))


def python_order(sort: Sort, records, as_of: datetime) -> list[int]:
    def overdue(r) -> bool:
        return (
            r.state in ("open", "in_progress", "blocked")
            and r.due_date
            and r.due_date < as_of.date()
        )

    keys = {
        Sort.OLDEST_FIRST: lambda r: (r.created_at.timestamp(), r.id),
        Sort.NEWEST_FIRST: lambda r: (-r.created_at.timestamp(), r.id),
        Sort.UPDATED: lambda r: (r.updated_at.timestamp(), r.id),
        Sort.RECENTLY_UPDATED: lambda r: (-r.updated_at.timestamp(), r.id),
        Sort.DUE: lambda r: (r.due_date is None, r.due_date or date.min, r.id),
        Sort.MOST_OVERDUE: lambda r: (
            not overdue(r),
            r.due_date if overdue(r) else date.min,
            r.id,
        ),
    }
    return [r.id for r in sorted(records, key=keys[sort])]


@pytest.mark.parametrize("sort", list(Sort))
@pytest.mark.parametrize("days_ago", [0, 20], ids=["now", "past"])
def test_pages_cover_every_item_once_in_sort_order_with_ties_broken_by_id(sessions, sort, days_ago):
    tied_mirror(sessions)
    as_of = NOW - timedelta(days=days_ago)
    query = ItemQuery(ItemFilters(state=StateFilter.ALL), sort, as_of)
    with sessions() as session:
        whole = list_items(session, query, SCOPE, now=NOW, limit=500)
        assert whole.next_position is None
        paged: list[int] = []
        after = None
        while True:
            page = list_items(session, query, SCOPE, now=NOW, limit=3, after=after)
            paged += [r.id for r in page.records]
            if page.next_position is None:
                break
            after = page.next_position
    assert len(whole.records) == 14
    assert paged == [r.id for r in whole.records]
    assert paged == python_order(sort, whole.records, as_of)


@pytest.mark.parametrize(
    ("sort", "position"),
    [
        (Sort.OLDEST_FIRST, [1]),
        (Sort.OLDEST_FIRST, ["not a time", 1]),
        (Sort.OLDEST_FIRST, ["2026-01-01T00:00:00", 1]),
        (Sort.OLDEST_FIRST, ["2026-01-01T00:00:00+00:00", "1"]),
        (Sort.DUE, [0, 5, 1]),
        (Sort.DUE, [True, None, 1]),
    ],
)
def test_a_position_that_does_not_fit_the_sort_is_rejected(sessions, sort, position):
    query = ItemQuery(ItemFilters(), sort, NOW)
    with sessions() as session, pytest.raises(InvalidPosition):
        list_items(session, query, SCOPE, now=NOW, limit=5, after=position)
