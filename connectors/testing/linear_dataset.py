"""A seeded generator of realistic incident action items (plus noise) for FakeLinear.

Deterministic per seed. It reuses the GitHub dataset's vocabulary and plants Linear's
traps among the first labelled items: a completed issue Linear auto-archived, a duplicate,
a canceled one, a team move (new identifier, `previousIdentifiers`), a trashed issue, an
issue blocked by an unfinished one and one whose blocker is done, and one blocked by label.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from connectors.testing.dataset import (
    DEPENDENCIES,
    LOGINS,
    NOISE_LABELS,
    NOISE_TITLES,
    SERVICES,
    SYMPTOMS,
    TITLES,
    TYPE_LABEL_FORMS,
    TYPES,
)
from connectors.testing.linear import FakeLinear
from connectors.testing.linear_model import FakeLinearIssue

PEOPLE = tuple(login.replace("-", " ").title() for login in LOGINS)
ACTIVE_STATES = ("Triage", "Backlog", "Todo", "In Progress", "In Review")
CLOSED_STATES = ("Done", "Canceled", "Duplicate")
# Labelled items i < len(...) end in these states, so every state type appears.
FORCED_STATES = ("Done", "Todo", "Duplicate", "In Progress", "Canceled", "Backlog", "Triage")


def seed_linear(
    fake: FakeLinear,
    *,
    seed: int,
    labelled: int,
    unlabelled: int = 0,
    teams: Sequence[str] = ("ENG", "OPS"),
    label: str = "incident-action",
    now: datetime,
) -> list[FakeLinearIssue]:
    """Fill `fake` with `labelled` action items over the year before `now` (plus noise);
    returns the labelled issues, traps included, oldest first."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    fake.now = now - timedelta(days=365)
    made: list[FakeLinearIssue] = []
    order = sorted(rng.uniform(0, 360) for _ in range(labelled + unlabelled))
    kinds = [True] * labelled + [False] * unlabelled
    rng.shuffle(kinds)
    for day, is_action in zip(order, kinds, strict=True):
        fake.now = now - timedelta(days=365 - day)
        if is_action:
            made.append(_action_item(fake, rng, len(made), teams, label, now))
        else:
            _noise(fake, rng, teams)
    fake.now = now - timedelta(hours=1)
    _traps(fake, made, teams)
    fake.now = now
    return made


def _action_item(
    fake: FakeLinear,
    rng: random.Random,
    index: int,
    teams: Sequence[str],
    label: str,
    now: datetime,
) -> FakeLinearIssue:
    """One labelled action item, walked through its workflow states before `now` − 2 h."""
    latest = now - timedelta(hours=2)
    kind = TYPES[index % len(TYPES)] if index < len(TYPES) else rng.choice(TYPES)
    service, dependency = rng.choice(SERVICES), rng.choice(DEPENDENCIES)
    incident = f"INC-{100 + index // 3}"
    title = rng.choice(TITLES[kind]).format(service=service, dependency=dependency)
    labels = [label.title() if index % 4 == 1 else label]  # Linear matches any case
    description = f"{service} {rng.choice(SYMPTOMS)}."
    placement = rng.random()
    if placement < 0.4:
        labels.append(f"incident:{incident}")
    elif placement < 0.8:
        title = f"[{incident}] {title}"
    else:
        description = f"Follow-up from {incident}: {description}"
    if index < len(TYPES) or rng.random() < 0.85:
        labels.append(rng.choice(TYPE_LABEL_FORMS).format(type=kind, title=kind.title()))
    issue = fake.create_issue(
        teams[index % len(teams)],
        title=title,
        description=description,
        labels=labels,
        state="Triage",
        assignee=rng.choice(PEOPLE) if rng.random() < 0.8 else None,
        priority=rng.randint(0, 4),
        due_date=fake.now.date() + timedelta(days=rng.randint(7, 60))
        if rng.random() < 0.6
        else None,
    )
    final = FORCED_STATES[index] if index < len(FORCED_STATES) else _state(rng)
    path = ["Todo", "In Progress"] if final in ("In Progress", "In Review", "Done") else []
    for step in [*path, final]:
        if step != issue.state.name:
            room = (latest - fake.now).total_seconds()
            fake.tick(max(1, min(rng.randint(3_600, 5 * 86_400), room / 3)))
            fake.update_issue(issue.id, state=step)
    return issue


def _state(rng: random.Random) -> str:
    return rng.choices((*ACTIVE_STATES, *CLOSED_STATES), weights=(5, 15, 20, 15, 5, 30, 7, 3))[0]


def _noise(fake: FakeLinear, rng: random.Random, teams: Sequence[str]) -> None:
    """An issue without the tracking label; some mention an incident anyway."""
    title = rng.choice(NOISE_TITLES).format(
        service=rng.choice(SERVICES),
        dependency=rng.choice(DEPENDENCIES),
        incident=f"INC-{rng.randint(100, 140)}",
    )
    fake.create_issue(
        rng.choice(teams),
        title=title,
        labels=rng.sample(NOISE_LABELS, rng.randint(0, 2)),
        state=rng.choice((*ACTIVE_STATES, "Done")),
        assignee=rng.choice(PEOPLE) if rng.random() < 0.5 else None,
    )


def _traps(fake: FakeLinear, made: list[FakeLinearIssue], teams: Sequence[str]) -> None:
    """Linear's traps on the first labelled items (as many as there are)."""
    done = [i for i in made if i.state.type == "completed"]
    active = [i for i in made if i.state.type in ("unstarted", "started", "backlog", "triage")]
    if done:
        fake.archive(done[0].id)  # hidden from listings without includeArchived
    if len(active) >= 3:
        fake.block(active[0].id, active[1].id)  # blocked by an unfinished issue
        fake.add_label(active[2].id, "Blocked")
    if active and done:
        fake.block(active[-1].id, done[-1].id)  # a finished blocker blocks nothing
    if len(teams) > 1 and len(active) >= 4:
        fake.tick(60)
        fake.move_issue(active[3].id, teams[1] if active[3].team == teams[0] else teams[0])
    if len(made) >= 8:
        fake.tick(60)
        fake.trash(made[-1].id)  # deleted: still answered, as `trashed: true`
