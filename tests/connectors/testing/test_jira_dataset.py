"""seed_jira: deterministic, and every Jira trap the mapping must handle is in it."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.testing import FakeJira, seed_jira
from connectors.testing.jira_dataset import WONT_DO

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def seeded(seed: int = 3) -> tuple[FakeJira, list]:
    fake = FakeJira(now=NOW)
    return fake, seed_jira(fake, seed=seed, labelled=40, unlabelled=15, now=NOW)


def test_the_same_seed_gives_the_same_issues():
    (_, first), (_, second) = seeded(), seeded()
    assert [(i.id, i.key, i.summary, i.updated) for i in first] == [
        (i.id, i.key, i.summary, i.updated) for i in second
    ]


def test_every_trap_is_present():
    fake, made = seeded()
    assert len(made) == 40
    assert sum(1 for i in fake.issues.values() if "incident-action" not in i.labels) >= 15
    resolutions = {i.resolution for i in made}
    assert set(WONT_DO) | {"Done", "Obsolete"} <= resolutions
    assert any(i.status.name == "Blocked" for i in made)
    assert any(i.flagged for i in made)
    assert any(
        link.inward == "is blocked by" and link.other_is_inward for i in made for link in i.links
    )
    assert any(link.other.project == "INC" for i in made for link in i.links)
    assert any(i.action_type for i in made)
    assert any(item["field"] == "Key" for i in made for h in i.histories for item in h["items"])
    assert all(i.created <= i.updated <= NOW for i in made)
    assert fake.now == NOW
