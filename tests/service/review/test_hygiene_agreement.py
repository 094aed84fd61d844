"""The hygiene flags' SQL (the `flag=` filter) agrees with the flags items show, on a random
mirror with changing states, owners and due dates, at several instants."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from connectors.item import Item, ItemState
from service.metrics.definitions import FlagCode
from service.metrics.items import list_item_views
from service.metrics.query import ItemFilters, ItemQuery, Sort, StateFilter
from service.review.hygiene import HYGIENE_FLAGS
from service.review.policy import PRESETS, DueDatePolicy
from service.store.item_queries import ItemScope
from tests.conftest import NOW
from tests.service.review.test_titles import fixture_titles
from tests.support.readside import Mirror, item

SCOPE = ItemScope(
    sources={"demo": "scripted"}, policy=DueDatePolicy.from_config(PRESETS["pagerduty"])
)
TITLES = [row.title for row in fixture_titles()]


def random_item(rng: random.Random, number: int, created: datetime, updated: datetime) -> Item:
    return item(
        number,
        title=rng.choice(TITLES),
        created_at=created,
        updated_at=updated,
        state=rng.choice(list(ItemState)),
        owners=tuple(rng.sample(["ana", "bo"], rng.choice([0, 1, 1]))),
        due_date=None if rng.random() < 0.4 else NOW.date() + timedelta(days=rng.randint(-30, 30)),
        priority=rng.choice([None, "SEV-1", "sev2", "P3"]),
        labels=tuple(rng.sample(["sev1", "Sev 2", "bug"], rng.randint(0, 1))),
    )


def test_the_filter_selects_exactly_the_items_showing_each_flag(sessions):
    rng = random.Random(1)
    mirror = Mirror(sessions)
    created = {n: NOW - timedelta(days=rng.randint(40, 90)) for n in range(1, 31)}
    for step, sync in enumerate(
        (NOW - timedelta(days=35), NOW - timedelta(days=20), NOW - timedelta(days=5))
    ):
        chosen = [n for n in created if step == 0 or rng.random() < 0.6]
        mirror.put(*(random_item(rng, n, created[n], sync) for n in chosen), at=sync)
    with sessions() as session:
        for as_of in (NOW - timedelta(days=25), NOW - timedelta(days=10), NOW):
            shown = listed(session, as_of, None)
            for code in HYGIENE_FLAGS:
                expected = [key for key, codes in shown if code in codes]
                assert [key for key, _ in listed(session, as_of, code)] == expected, (as_of, code)


def listed(session: Session, as_of: datetime, flag: FlagCode | None) -> list[tuple[str, list[str]]]:
    """(key, flag codes) of every item at T that `flag` selects (all without one)."""
    query = ItemQuery(ItemFilters(state=StateFilter.ALL, flag=flag), Sort.OLDEST_FIRST, as_of)
    views = list_item_views(session, query, SCOPE, now=NOW, limit=500).items
    return [(v.key, [str(f.code) for f in v.flags]) for v in views]
