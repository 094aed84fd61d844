"""Trend counts from the derived tables: the active count at a period's end is the same
whether it is counted forward from the first stretch or back from the stretches open now,
and closings count transitions of items tracked now."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from connectors.item import ItemState
from service.metrics.params import MetricFilters
from service.store import trend_queries
from service.store.item_queries import ItemScope
from service.store.models import ActiveStretch
from tests.support.readside import T0, Mirror, item
from tests.support.scripted import KIND_ASC

SCOPE = ItemScope({"demo": KIND_ASC})


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


@pytest.fixture
def mirror(sessions) -> Mirror:
    """Items opened, closed (all observed at the day-21 sync), reopened and removed."""
    demo = Mirror(sessions)
    demo.put(*(item(n, created_at=day(n)) for n in range(1, 9)), at=day(9))
    demo.put(
        item(1, created_at=day(1), state=ItemState.DONE, updated_at=day(12)),
        item(2, created_at=day(2), state=ItemState.WONT_DO, updated_at=day(13)),
        item(3, created_at=day(3), state=ItemState.DONE, updated_at=day(20)),
        item(5, created_at=day(5), state=ItemState.DONE, updated_at=day(20)),
        at=day(21),
    )
    demo.remove(["id-4", "id-5"], at=day(25))
    demo.put(item(3, created_at=day(3), state=ItemState.OPEN, updated_at=day(30)), at=day(31))
    demo.put(item(9, created_at=day(35)), at=day(36))
    return demo


def active_by_hand(sessions, at: datetime) -> int:
    with sessions() as session:
        spans = session.execute(select(ActiveStretch.start, ActiveStretch.end)).all()
    return sum(1 for start, end in spans if start <= at and (end is None or at < end))


@pytest.mark.parametrize(
    "since",
    [day(1.5), day(4), day(22), day(34)],
    ids=["near the first start", "early", "late", "near now"],
)
def test_active_at_each_end_equals_the_stretches_counted_by_hand(sessions, mirror, since):
    ends = [since + timedelta(days=k) for k in (0.5, 1, 3, 7)]
    with sessions() as session:
        found = trend_queries.active_at(session, SCOPE, MetricFilters(), since, ends)
    assert found == [active_by_hand(sessions, end) for end in ends]
    assert found[-1] > 0


def test_closings_count_transitions_of_items_tracked_now(sessions, mirror):
    ranges = [(day(0), day(21)), (day(21), day(22)), (day(22), day(40))]  # closed at day 21
    with sessions() as session:
        done = trend_queries.closing_counts(session, SCOPE, MetricFilters(), "done", ranges)
        wont_do = trend_queries.closing_counts(session, SCOPE, MetricFilters(), "wont_do", ranges)
    assert done == [0, 2, 0]  # items 1 and 3 (reopened later); not 5, removed since
    assert wont_do == [0, 1, 0]
