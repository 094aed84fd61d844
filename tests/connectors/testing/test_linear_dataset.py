"""The seeded Linear dataset: deterministic, with every state type and Linear's traps."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from connectors.testing import FakeLinear, seed_linear

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def seeded(seed: int = 7) -> tuple[FakeLinear, list]:
    fake = FakeLinear(now=NOW)
    return fake, seed_linear(fake, seed=seed, labelled=40, unlabelled=20, now=NOW)


def test_the_same_seed_gives_the_same_workspace():
    (first, a), (second, b) = seeded(), seeded()
    assert [(i.id, i.identifier, i.title, i.updated_at) for i in a] == [
        (i.id, i.identifier, i.title, i.updated_at) for i in b
    ]
    assert len(first.issues()) == len(second.issues()) == 60


def test_every_state_type_and_trap_appears():
    fake, made = seeded()
    kinds = Counter(issue.state.type for issue in made)
    assert set(kinds) == {
        "triage",
        "backlog",
        "unstarted",
        "started",
        "completed",
        "canceled",
        "duplicate",
    }
    assert any(i.archived_at and i.state.type == "completed" and not i.trashed for i in made)
    assert any(i.trashed for i in made)
    assert any(i.previous_identifiers for i in made)
    assert any(i.blocked_by for i in made)
    assert any("Blocked" in i.labels for i in made)
    assert all(i.updated_at <= NOW and i.created_at <= i.updated_at for i in fake.issues())


def test_action_items_carry_the_label_and_noise_does_not():
    fake, made = seeded()
    ids = {i.id for i in made}
    for issue in fake.issues():
        labelled = any(label.casefold() == "incident-action" for label in issue.labels)
        assert labelled == (issue.id in ids)
