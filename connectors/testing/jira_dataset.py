"""A seeded generator of realistic Jira incident action items, with Jira's traps.

Deterministic per seed. Reuses the GitHub dataset's vocabulary (services, dependencies,
titles, people). The traps: won't-do resolutions under their default and renamed names
(`Not Doing`, `Obsolete`), a `Blocked` status, the Flagged field, "is blocked by" links
to open and to finished issues, links to the incident project, the type in a custom
field, an issue moved between projects (same id, new key) and a deleted one.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from connectors.testing.dataset import DEPENDENCIES, LOGINS, SERVICES, SYMPTOMS, TITLES, TYPES
from connectors.testing.jira import RELATES, FakeJira
from connectors.testing.jira_model import FakeJiraIssue

PEOPLE = tuple(login.replace("-", " ").title() for login in LOGINS)
WONT_DO = ("Won't Do", "Won't Fix", "Declined", "Duplicate", "Cannot Reproduce", "Not Doing")
# Labelled items i < len(...) take these (status, resolution) so each appears at least once.
FORCED: tuple[tuple[str, str | None], ...] = (
    ("To Do", None),
    ("In Progress", None),
    ("Blocked", None),
    ("Done", "Done"),
    *(("Done", name) for name in WONT_DO),
    ("Closed", "Obsolete"),
    ("Triage", None),
)


def seed_jira(
    fake: FakeJira,
    *,
    seed: int,
    labelled: int,
    unlabelled: int = 0,
    projects: Sequence[str] = ("OPS", "PLAT"),
    incident_project: str = "INC",
    first_incident: int = 1,
    label: str = "incident-action",
    now: datetime,
) -> list[FakeJiraIssue]:
    """Fill `fake` with `labelled` action items over the year before `now`, plus noise;
    returns the labelled issues. Leaves `fake.now` at `now`. Incident issues are numbered
    from `first_incident` (the demo lines them up with the other trackers' INC refs)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    incidents = []
    for number in range(max(1, labelled // 4)):
        fake.now = now - timedelta(days=366) + timedelta(minutes=number)
        incidents.append(
            fake.create_issue(
                incident_project,
                f"Outage {number}",
                status="Done",
                number=first_incident + number,
            )
        )
    starts = sorted(now - timedelta(days=rng.uniform(1, 360)) for _ in range(labelled + unlabelled))
    made: list[FakeJiraIssue] = []
    noise: list[FakeJiraIssue] = []
    share = unlabelled / max(1, labelled + unlabelled)
    for created in starts:
        fake.now = created
        room = len(made) < labelled
        if len(noise) < unlabelled and (not room or rng.random() < share):
            noise.append(_noise(fake, rng, projects))
        else:
            made.append(_action_item(fake, rng, len(made), projects, incidents, label, now))
    fake.now = now
    if noise and made:
        fake.link(noise[0].id, made[-1].id)  # blocked by an open issue
    if len(made) > len(FORCED) + 2:
        fake.link(incidents[0].id, made[len(FORCED)].id)  # a finished blocker blocks nothing
        fake.move_issue(made[len(FORCED) + 1].id, projects[-1])
    return made


def _action_item(
    fake: FakeJira,
    rng: random.Random,
    index: int,
    projects: Sequence[str],
    incidents: Sequence[FakeJiraIssue],
    label: str,
    now: datetime,
) -> FakeJiraIssue:
    kind = TYPES[index % len(TYPES)] if index < 8 else rng.choice(TYPES)
    service, dependency = rng.choice(SERVICES), rng.choice(DEPENDENCIES)
    incident = rng.choice(incidents)
    summary = rng.choice(TITLES[kind]).format(service=service, dependency=dependency)
    description = f"{service} {rng.choice(SYMPTOMS)}."
    labels = [label]
    placement = rng.random()
    link_incident = False
    if placement < 0.3:
        labels.append(f"incident:{incident.key}")
    elif placement < 0.6:
        link_incident = True
    elif placement < 0.8:
        summary = f"[{incident.key}] {summary}"
    else:
        description = f"Follow-up from {incident.key}. {description}"
    action_type = kind.title() if rng.random() < 0.4 else None
    if action_type is None:
        labels.append(rng.choice((kind, f"type:{kind}")))
    status, resolution = FORCED[index] if index < len(FORCED) else _random_state(rng)
    created = fake.now
    issue = fake.create_issue(
        rng.choice(projects),
        summary,
        description=description,
        labels=labels,
        assignee=rng.choice(PEOPLE) if rng.random() < 0.8 else None,
        duedate=(created + timedelta(days=rng.randint(7, 60))).date()
        if rng.random() < 0.7
        else None,
        priority=rng.choice(("Highest", "High", "Medium", "Low")),
        action_type=action_type,
        flagged=index == len(FORCED) - 1 or (index > len(FORCED) and rng.random() < 0.04),
    )
    span = min(timedelta(hours=2000), now - created)
    moments = sorted(created + span * rng.uniform(0.01, 0.99) for _ in range(2))
    if status != "To Do" and status != "Triage":
        fake.now = moments[0]
        fake.transition(issue.id, "In Progress")
    if status not in ("To Do", "Triage", "In Progress"):
        fake.now = moments[1]
        fake.transition(issue.id, status, resolution=resolution)
    if status == "Triage":
        fake.now = moments[0]
        fake.transition(issue.id, "Triage")
    if link_incident:
        fake.link(incident.id, issue.id, RELATES)
    return issue


def _random_state(rng: random.Random) -> tuple[str, str | None]:
    return rng.choices(
        (
            ("To Do", None),
            ("In Progress", None),
            ("Blocked", None),
            ("Done", "Done"),
            ("Done", "Won't Do"),
        ),
        weights=(35, 20, 5, 32, 8),
    )[0]


def _noise(fake: FakeJira, rng: random.Random, projects: Sequence[str]) -> FakeJiraIssue:
    """An ordinary issue without the tracking label."""
    service = rng.choice(SERVICES)
    return fake.create_issue(
        rng.choice(projects),
        f"Flaky test in {service} integration suite",
        labels=rng.sample(("bug", "tech-debt", "documentation"), rng.randint(0, 2)),
        assignee=rng.choice(PEOPLE),
    )
