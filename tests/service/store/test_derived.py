"""Tables derived at write time: active stretches and closings from an item's history, and
incident rollups; all kept by every write and equal to a rebuild from scratch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from connectors.item import Change, HistoryField, ItemState
from service.store import derived
from service.store import items as item_store
from service.store.models import ActiveStretch, Closing, IncidentRollup
from tests.support.readside import Mirror, item

T = datetime(2026, 1, 5, tzinfo=UTC)


def at(hours: int) -> datetime:
    return T + timedelta(hours=hours)


def entries(*changes: tuple[int, str, str | None]) -> list[tuple[object, ...]]:
    """(item_id, source, at, field, value) rows for item 1 of source `demo`."""
    return [(1, "demo", at(hours), field, value) for hours, field, value in changes]


def spans(*changes: tuple[int, str, str | None]) -> list[tuple[datetime, datetime | None]]:
    return [(s["start"], s["end"]) for s in derived.stretches_of(1, entries(*changes))]  # type: ignore[misc]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            [(0, "state", "open"), (0, "tracked", "true")],
            [(at(0), None)],
            id="active since creation",
        ),
        pytest.param(
            [
                (0, "state", "open"),
                (0, "tracked", "true"),
                (2, "state", "in_progress"),
                (5, "state", "done"),
            ],
            [(at(0), at(5))],
            id="active states join into one stretch",
        ),
        pytest.param(
            [
                (0, "state", "open"),
                (0, "tracked", "true"),
                (3, "state", "done"),
                (7, "state", "open"),
            ],
            [(at(0), at(3)), (at(7), None)],
            id="reopened",
        ),
        pytest.param(
            [
                (0, "state", "blocked"),
                (0, "tracked", "true"),
                (4, "tracked", "false"),
                (6, "tracked", "true"),
            ],
            [(at(0), at(4)), (at(6), None)],
            id="removed then tracked again",
        ),
        pytest.param(
            [
                (0, "state", "open"),
                (0, "tracked", "true"),
                (2, "state", "done"),
                (2, "state", "open"),
            ],
            [(at(0), None)],
            id="the last entry at one instant wins",
        ),
        pytest.param([(0, "state", "open")], [], id="never tracked"),
        pytest.param([(0, "state", "wont_do"), (0, "tracked", "true")], [], id="never active"),
    ],
)
def test_a_stretch_spans_the_time_an_item_was_tracked_and_active(changes, expected):
    assert spans(*changes) == expected


Rows = list[tuple[object, ...]]


def derived_rows(sessions) -> tuple[Rows, Rows, Rows]:
    with sessions() as session:
        stretches = session.execute(
            select(
                ActiveStretch.item_id, ActiveStretch.source, ActiveStretch.start, ActiveStretch.end
            ).order_by(ActiveStretch.item_id, ActiveStretch.start)
        ).all()
        closings = session.execute(
            select(
                Closing.item_id, Closing.source, Closing.at, Closing.state, Closing.tracked
            ).order_by(Closing.item_id, Closing.at, Closing.state)
        ).all()
        rollups = session.execute(
            select(IncidentRollup).order_by(IncidentRollup.incident, IncidentRollup.source)
        ).scalars()
        return (
            [tuple(row) for row in stretches],
            [
                (
                    r.incident,
                    r.source,
                    r.items,
                    r.active,
                    r.done,
                    r.wont_do,
                    r.oldest_active_created_at,
                    r.latest_created_at,
                    r.prevention,
                    r.detection,
                    r.mitigation,
                    r.process,
                )
                for r in rollups
            ],
            [tuple(row) for row in closings],
        )


def test_every_write_keeps_the_derived_tables_equal_to_a_rebuild(sessions):
    demo, other = Mirror(sessions), Mirror(sessions, source="other")
    demo.put(
        item(1, incident="INC-1"),
        item(2, incident="INC-1", state=ItemState.DONE),
        item(3, incident="INC-2", state=ItemState.BLOCKED),
        at=at(24 * 40),
    )
    other.put(item(4, incident="INC-1"), at=at(24 * 40))
    demo.put(
        item(1, incident="INC-3", updated_at=at(24 * 41)),  # moved incident
        item(3, incident="INC-2", state=ItemState.DONE, updated_at=at(24 * 41)),
        at=at(24 * 41),
    )
    demo.remove(["id-2"], at=at(24 * 42))
    with sessions.begin() as session:
        item_store.replace_history(
            session,
            "demo",
            [Change("id-3", at(24 * 10), HistoryField.STATE, "blocked", "done")],
        )
    incremental = derived_rows(sessions)
    with sessions.begin() as session:
        derived.rebuild(session)
    assert derived_rows(sessions) == incremental
    stretches, rollups, closings = incremental
    assert {r[0] for r in rollups} == {"INC-1", "INC-2", "INC-3"}  # INC-1 keeps other's item
    assert [r[:6] for r in rollups if r[0] == "INC-1"] == [("INC-1", "other", 1, 1, 0, 0)]
    created_3 = item(3).created_at
    assert (3, "demo", created_3, at(24 * 10)) in stretches  # closed at the tracker's own time
    assert (3, "demo", at(24 * 10), "done", True) in closings
    assert [c for c in closings if c[0] == 2] == [(2, "demo", item(2).created_at, "done", False)]
