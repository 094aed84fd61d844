"""The item-level definitions: the Python reference by example, and the SQL expressions
held to agreement with it on random mirrors (current columns and history at a past T)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from connectors.base import Comment
from connectors.item import Item, ItemState, ItemType
from service.metrics import definitions as d
from service.metrics.definitions import FlagCode, ItemAt
from service.store.item_queries import ItemScope, get_item, items_at
from service.store.models import Item as Row
from tests.conftest import NOW
from tests.support.readside import Mirror, item

T = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def at(**fields: object) -> ItemAt:
    values: dict[str, object] = {
        "state": "open",
        "owners": ["ana"],
        "due_date": date(2026, 4, 1),
        "type": "prevention",
        "incident": "INC-1",
        "created_at": T - timedelta(days=10),
        "updated_at": T - timedelta(days=1),
        "has_decision": False,
    }
    values.update(fields)
    return ItemAt(**values)  # type: ignore[arg-type]


def test_age_is_fractional_days_since_creation():
    assert d.age_days(T - timedelta(days=2, hours=12), T) == 2.5


def test_overdue_means_active_with_a_due_date_before_the_utc_date_of_t():
    assert d.is_overdue("open", date(2026, 3, 1), T)
    assert not d.is_overdue("open", date(2026, 3, 2), T)  # due today is not overdue
    assert not d.is_overdue("done", date(2026, 1, 1), T)
    assert not d.is_overdue("blocked", None, T)
    late_evening = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    assert not d.is_overdue("open", date(2026, 3, 2), late_evening)


def test_days_overdue_counts_whole_days_and_is_none_unless_overdue():
    assert d.days_overdue("in_progress", date(2026, 2, 20), T) == 10
    assert d.days_overdue("in_progress", date(2026, 3, 1), T) == 1
    assert d.days_overdue("wont_do", date(2026, 2, 20), T) is None
    assert d.days_overdue("open", date(2026, 3, 5), T) is None


def test_stale_means_active_and_not_updated_within_the_window():
    assert d.is_stale("open", T - timedelta(days=31), T, 30)
    assert not d.is_stale("open", T - timedelta(days=29), T, 30)
    assert not d.is_stale("done", T - timedelta(days=300), T, 30)


def test_an_update_after_a_past_t_counts_as_an_update_at_t():
    assert not d.is_stale("open", T + timedelta(days=5), T, 30)


def test_unowned_and_undated_apply_to_active_items_only():
    assert d.is_unowned("blocked", [])
    assert not d.is_unowned("done", [])
    assert d.is_undated("open", None)
    assert not d.is_undated("wont_do", None)


def test_flags_list_every_core_problem_in_code_order():
    found = d.flags(
        at(owners=[], due_date=None, type=None, incident=None, updated_at=T - timedelta(days=60)),
        T,
        30,
    )
    assert [f.code for f in found] == [
        FlagCode.UNOWNED,
        FlagCode.UNDATED,
        FlagCode.UNTYPED,
        FlagCode.NO_INCIDENT,
        FlagCode.STALE,
    ]
    assert all(f.message for f in found)


def test_a_closed_item_keeps_only_the_flags_that_do_not_need_it_active():
    found = d.flags(
        at(state="done", owners=["a", "b"], due_date=None, type=None, incident=None), T, 30
    )
    assert [f.code for f in found] == [
        FlagCode.MULTIPLE_OWNERS,
        FlagCode.UNTYPED,
        FlagCode.NO_INCIDENT,
    ]


def test_wont_do_without_a_reason_is_flagged_with_what_is_missing():
    [flag] = d.flags(at(state="wont_do"), T, 30)
    assert flag.code is FlagCode.WONT_DO_WITHOUT_REASON
    assert flag.message == (
        "closed as won't do with no comment within an hour of the decision saying why"
    )
    assert d.flags(at(state="wont_do", has_decision=True), T, 30) == []
    assert d.flags(at(state="done"), T, 30) == []


def test_a_well_kept_item_has_no_flags():
    assert d.flags(at(), T, 30) == []


# SQL against the reference.

STATES = list(ItemState)
PEOPLE = ["ana", "Bo", "cy", "dee"]


def random_item(rng: random.Random, number: int, created: datetime, updated: datetime) -> Item:
    """A random version of item `number`; closed ones may carry a resolution time."""
    state = rng.choice(STATES)
    resolved = None
    if state.is_closed and rng.random() < 0.5:
        resolved = created + (updated - created) * rng.random()
    return item(
        number,
        created_at=created,
        updated_at=updated,
        state=state,
        resolved_at=resolved,
        owners=tuple(rng.sample(PEOPLE, rng.choice([0, 0, 1, 1, 1, 2, 3]))),
        due_date=None if rng.random() < 0.3 else T.date() + timedelta(days=rng.randint(-60, 30)),
        type=rng.choice([None, *ItemType]),
        incident=rng.choice([None, "INC-1", "INC-2"]),
    )


def build_random_mirror(sessions, rng: random.Random) -> None:
    """30 items first synced 60 days ago, changed at two later syncs, a few removed."""
    mirror = Mirror(sessions)
    first_sync = NOW - timedelta(days=60)
    created = {
        n: first_sync - timedelta(days=rng.randint(1, 120), minutes=rng.randint(0, 1440))
        for n in range(1, 31)
    }
    mirror.put(
        *(
            random_item(rng, n, c, min(c + timedelta(hours=rng.randint(0, 960)), first_sync))
            for n, c in created.items()
        ),
        at=first_sync,
    )
    for step in (1, 2):
        sync = first_sync + timedelta(days=20 * step)
        changed = [random_item(rng, n, c, sync) for n, c in created.items() if rng.random() < 0.4]
        mirror.put(*changed, at=sync)
    removed = [f"id-{n}" for n in created if rng.random() < 0.15]
    mirror.remove(removed, at=NOW - timedelta(days=5))
    reasons = [Comment(f"id-{n}", first_sync, "ana", "Dropped") for n in created]
    mirror.decide(*(r for r in reasons if rng.random() < 0.5), at=NOW - timedelta(days=5))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sql_definitions_agree_with_the_python_reference(sessions, seed):
    rng = random.Random(seed)
    build_random_mirror(sessions, rng)
    scope = ItemScope(sources={"demo": "scripted"}, stale_after_days=30)
    instants = [NOW - timedelta(days=n, hours=rng.randint(0, 23)) for n in (70, 45, 25, 3)]
    instants += [NOW, NOW + timedelta(days=9)]
    with sessions() as session:
        for as_of in instants:
            view = items_at(["demo"], as_of, now=NOW, include_removed=True)
            c = view.columns
            statement = view.select(
                Row.id,
                d.overdue_sql(c, as_of),
                d.stale_sql(c, as_of, 30),
                d.unowned_sql(c),
                d.undated_sql(c),
                *(d.flag_sql(code, c, as_of, 30) for code in FlagCode),
            )
            rows = session.execute(statement).all()
            assert rows, "the random mirror should have items created before T"
            for row in rows:
                record = get_item(session, row[0], scope, as_of=as_of, now=NOW)
                assert record is not None
                values = ItemAt(
                    state=record.state,
                    owners=record.owners,
                    due_date=record.due_date,
                    type=record.type,
                    incident=record.incident,
                    created_at=record.created_at,
                    updated_at=record.updated_at,
                    has_decision=record.decision is not None,
                )
                expected_flags = {f.code for f in d.flags(values, as_of, 30)}
                assert bool(row[1]) == d.is_overdue(record.state, record.due_date, as_of)
                assert bool(row[2]) == d.is_stale(record.state, record.updated_at, as_of, 30)
                assert bool(row[3]) == d.is_unowned(record.state, record.owners)
                assert bool(row[4]) == d.is_undated(record.state, record.due_date)
                sql_flags = {code for code, on in zip(FlagCode, row[5:], strict=True) if on}
                assert sql_flags == expected_flags, (as_of, record)
