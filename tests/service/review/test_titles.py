"""The title rules on a fixture of realistic titles: precision and recall on the held-out
half, and the SQL form filtering exactly what the Python form flags."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from service.review import titles
from service.store.models import Item as Row
from tests.support.readside import Mirror, item

FIXTURE = Path(__file__).with_name("titles.tsv")
RULES = {"vague": titles.is_vague, "too_large": titles.is_too_large}
SQL_RULES = {"vague": titles.vague_sql, "too_large": titles.too_large_sql}


@dataclass(frozen=True)
class Labelled:
    split: str
    labels: frozenset[str]
    title: str


def fixture_titles() -> list[Labelled]:
    rows = []
    for line in FIXTURE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        split, labels, title = line.split("\t")
        rows.append(Labelled(split, frozenset(labels.split(",")) - {"-"}, title))
    return rows


def precision_recall(rule: str, split: str) -> tuple[float, float]:
    rows = [row for row in fixture_titles() if row.split == split]
    flagged = {row.title for row in rows if RULES[rule](row.title)}
    wanted = {row.title for row in rows if rule in row.labels}
    hits = len(flagged & wanted)
    return hits / len(flagged), hits / len(wanted)


def test_the_fixture_has_at_least_80_titles_half_held_out():
    rows = fixture_titles()
    held_out = [row for row in rows if row.split == "holdout"]
    assert len(rows) >= 80
    assert len(held_out) == len(rows) // 2
    for rule in RULES:
        assert sum(rule in row.labels for row in held_out) >= 10


@pytest.mark.parametrize("rule", sorted(RULES))
def test_precision_and_recall_on_the_held_out_half(rule):
    precision, recall = precision_recall(rule, "holdout")
    print(f"{rule}: held-out precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.9
    assert recall >= 0.8


@pytest.mark.parametrize(
    ("title", "vague", "too_large"),
    [
        ("Improve monitoring so we catch this earlier", True, False),
        (
            "Add a symptom-based alert on checkout error rate >2% for 5min, "
            "linked to the checkout runbook",
            False,
            False,
        ),
        ("Reduce checkout p99 latency below 300ms", False, False),  # a measurable target
        ("Reduce toil", True, False),
        ("  INVESTIGATE   the cache  ", True, False),  # case and padding do not matter
        ("Observability", True, False),
        ("Add alerts for disk, memory and CPU on the ingest nodes", False, False),
        ("Add an alert; then update the runbook", False, True),
        ("Alert on a, b, c, d and e", False, True),  # five things in one
        ("Add " + "very " * 40 + "long alert", False, True),
    ],
)
def test_title_rules_by_example(title, vague, too_large):
    assert (titles.is_vague(title), titles.is_too_large(title)) == (vague, too_large)


def test_the_sql_rules_flag_exactly_what_python_flags(sessions: sessionmaker[Session]):
    rows = fixture_titles()
    extra = ["100% of pods", "a_b%c 'quoted' \\ back", "Ünïcode IMPROVE", "x"]
    every = [row.title for row in rows] + extra
    Mirror(sessions).put(*(item(i, title=t) for i, t in enumerate(every, 1)), at=item(1).created_at)
    with sessions() as session:
        for rule, sql in SQL_RULES.items():
            got = set(session.scalars(select(Row.title).where(sql(Row.title))))
            assert got == {t for t in every if RULES[rule](t)}, rule
