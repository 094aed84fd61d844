"""Every aggregate endpoint equals the plain-Python reference (tests/service/metrics/
reference.py) on Hypothesis-generated mirrors: random states, owners, due dates, incidents,
removals and re-adds across syncs, ties, empty sets, items due today, items created exactly
at a window edge, and `as_of` now, in the past, at a sync instant and in the future."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from connectors.item import ItemState, ItemType
from service.store.models import Base
from tests.conftest import NOW
from tests.service.metrics import reference as ref
from tests.support.readside import Mirror, item

SOURCES = ("demo", "other")
PEOPLE = {"Priya Shah": ["priya", "priya.s"]}
SYNCS = (NOW - timedelta(days=100), NOW - timedelta(days=45), NOW - timedelta(days=7), NOW)
WINDOW_EDGE = NOW - timedelta(days=90)
MONDAY = datetime(2026, 2, 23, tzinfo=NOW.tzinfo)
AS_OFS = (
    NOW,
    NOW + timedelta(days=3),
    SYNCS[2],
    NOW - timedelta(days=20, hours=5),
    MONDAY,
    NOW - timedelta(days=60),
)
DAYS = [NOW.date() + timedelta(days=d) for d in range(-120, 20, 3)]
OWNERS = ("ana", "Ana", "bo", "priya", "priya.s", "Priya Shah")
INCIDENTS = (None, "INC-1", "INC-2", "INC-3")

instants = st.one_of(
    st.sampled_from([WINDOW_EDGE, MONDAY - timedelta(days=14), SYNCS[0], SYNCS[1]]),
    st.integers(min_value=0, max_value=160 * 24).map(lambda h: NOW - timedelta(hours=h)),
)


@st.composite
def version(
    draw: st.DrawFn, number: int, created: datetime, updated: datetime, today: date
) -> object:
    state = draw(st.sampled_from(list(ItemState)))
    resolved = None
    if state.is_closed and draw(st.booleans()):
        resolved = created + (updated - created) * draw(st.sampled_from([0.0, 0.3, 1.0]))
    edges = [today + timedelta(days=d) for d in (-1, 0, 1)]  # overdue by 1, due today, tomorrow
    due = draw(st.one_of(st.none(), st.sampled_from(edges), st.sampled_from(DAYS)))
    return item(
        number,
        created_at=created,
        updated_at=updated,
        state=state,
        resolved_at=resolved,
        owners=tuple(draw(st.lists(st.sampled_from(OWNERS), max_size=2, unique=True))),
        due_date=due,
        type=draw(st.sampled_from([None, *ItemType])),
        incident=draw(st.sampled_from(INCIDENTS)),
    )


@st.composite
def histories(
    draw: st.DrawFn, today: date
) -> list[tuple[str, int, list[tuple[int, object | None]]]]:
    """Per item: its source, number, and per sync index either a version or None (removed)."""
    plans = []
    for number in range(1, draw(st.integers(0, 16)) + 1):
        source = draw(st.sampled_from(["demo", "demo", "other", "gone"]))
        created = draw(instants)
        steps: list[tuple[int, object | None]] = []
        last = created
        for index, sync in enumerate(SYNCS):
            if sync < created or (draw(st.booleans()) and steps):
                continue
            if steps and draw(st.integers(0, 4)) == 0:
                steps.append((index, None))
                continue
            updated = max(last, sync - timedelta(hours=draw(st.integers(0, 800))), created)
            steps.append((index, draw(version(number, created, updated, today))))
            last = updated
        plans.append((source, number, steps))
    return plans


filters = st.builds(
    ref.Filters,
    source=st.sampled_from([None, None, None, "demo", "other"]),
    owner=st.sampled_from([None, None, None, "ana", "PRIYA", "Priya Shah"]),
    incident=st.sampled_from([None, None, None, "INC-1"]),
    type=st.sampled_from([None, None, None, "none", "prevention"]),
)


def build(sessions, plans) -> None:
    with sessions.begin() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
    mirrors = {name: Mirror(sessions, source=name) for name in ("demo", "other", "gone")}
    for index, sync in enumerate(SYNCS):
        for source, number, steps in plans:
            for step, value in steps:
                if step != index:
                    continue
                if value is None:
                    mirrors[source].remove([f"id-{number}"], at=sync)
                else:
                    mirrors[source].put(value, at=sync)  # type: ignore[arg-type]


def incident_pages(client, query: dict[str, str], all_closed: str | None) -> list[object]:
    """Every incident row, one per page, following `next_cursor`."""
    if all_closed is not None:
        query = {**query, "all_closed": all_closed}
    found: list[object] = []
    page = client.get("/api/v1/incidents", params={**query, "limit": "1"}).json()
    while True:
        found += page["incidents"]
        if page["next_cursor"] is None:
            return found
        cursor = {**query, "cursor": page["next_cursor"]}
        page = client.get("/api/v1/incidents", params=cursor).json()


def params(f: ref.Filters, *names: str) -> dict[str, str]:
    values = {"source": f.source, "owner": f.owner, "incident": f.incident, "type": f.type}
    return {k: v for k, v in values.items() if v is not None and k in names}


def close(actual: object, expected: object) -> bool:
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and set(actual) >= set(expected)
            and all(close(actual[k], v) for k, v in expected.items())
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(close(a, e) for a, e in zip(actual, expected, strict=True))
        )
    if isinstance(expected, float) and not isinstance(actual, bool):
        return isinstance(actual, int | float) and actual == pytest.approx(expected, abs=1e-6)
    return actual == expected


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(as_of=st.sampled_from(AS_OFS), f=filters, data=st.data())
def test_every_endpoint_equals_the_reference(make_client, sessions, as_of, f, data):
    plans = data.draw(histories(as_of.date()))
    build(sessions, plans)
    client = make_client(people=PEOPLE)
    items = ref.snapshot(sessions)
    stamp = as_of.isoformat()
    window = (WINDOW_EDGE - timedelta(days=10), as_of)

    for chosen in (ref.Filters(), f):
        got = client.get(
            "/api/v1/metrics/summary",
            params={
                **params(chosen, "source", "owner", "incident", "type"),
                "as_of": stamp,
                "from": window[0].isoformat(),
            },
        )
        assert got.status_code == 200, got.text
        expected = ref.summary(items, as_of, window, SOURCES, chosen, PEOPLE)
        assert close(got.json(), expected), (got.json(), expected)

    got = client.get("/api/v1/incidents", params={**params(f, "source"), "as_of": stamp})
    expected_incidents = ref.incidents(items, as_of, SOURCES, ref.Filters(source=f.source))
    assert close(got.json()["incidents"], expected_incidents), (got.json(), expected_incidents)
    chosen = ref.Filters(source=f.source, incident=f.incident)
    closed = data.draw(st.sampled_from([None, "true", "false"]), label="all_closed")
    pages = incident_pages(client, {**params(f, "source", "incident"), "as_of": stamp}, closed)
    expected_incidents = [
        i
        for i in ref.incidents(items, as_of, SOURCES, chosen)
        if closed is None or i["all_closed"] == (closed == "true")
    ]
    assert close(pages, expected_incidents), (pages, expected_incidents)

    got = client.get(
        "/api/v1/owners", params={**params(f, "source", "owner", "type"), "as_of": stamp}
    )
    owner_filters = ref.Filters(source=f.source, owner=f.owner, type=f.type)
    expected_owners = ref.owners(items, as_of, SOURCES, owner_filters, PEOPLE)
    assert close(got.json()["owners"], expected_owners), (got.json(), expected_owners)

    got = client.get(
        "/api/v1/trends",
        params={**params(f, "source", "type"), "as_of": stamp, "from": "2025-11-01"},
    )
    periods = [
        (
            date.fromisoformat(p["period_start"]),
            date.fromisoformat(p["period_start"]) + timedelta(7),
        )
        for p in got.json()["periods"]
    ]
    assert periods[0][0] == date(2025, 10, 27)  # the Monday of the week holding `from`
    trend_filters = ref.Filters(source=f.source, type=f.type)
    expected_trends = ref.trends(items, as_of, periods, SOURCES, trend_filters)
    assert close(got.json()["periods"], expected_trends), (got.json(), expected_trends)
