"""A seeded generator of realistic incident action items (plus noise and PRs) for FakeGitHub.

Deterministic per seed: the same arguments on a fresh fake give the same issues, ids and
timestamps. The first labelled items are chosen to cover every type, state reason,
assignee count and due-date source, so even small datasets exercise every mapping.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from connectors.testing.github import FakeGitHub

LOGINS = (
    "amara-okafor",
    "ben-ito",
    "carla-mendes",
    "dmitri-volkov",
    "eun-ji-park",
    "farah-haddad",
    "gus-lindqvist",
    "hana-sato",
    "ivan-petrov",
    "jo-mbeki",
    "kai-nakamura",
    "lena-fischer",
)
REPORTERS = ("sre-lead", "incident-commander", "oncall-bot", "platform-lead")
SERVICES = (
    "payments-worker",
    "checkout-api",
    "ledger-db",
    "auth-gateway",
    "search-indexer",
    "notifications",
    "billing-cron",
    "edge-proxy",
    "inventory-sync",
    "mobile-bff",
)
DEPENDENCIES = (
    "Postgres primary",
    "Redis cache",
    "Kafka cluster",
    "S3 uploads",
    "Stripe webhooks",
    "internal DNS",
    "TLS certificates",
    "feature-flag service",
)
SYMPTOMS = (
    "stopped consuming for 40 minutes",
    "returned 5xx to a third of requests",
    "exhausted its connection pool",
    "double-charged a batch of customers",
    "lagged behind by two hours",
    "served stale data after failover",
)
TITLES = {
    "prevention": (
        "Add circuit breaker between {service} and {dependency}",
        "Add rate limiting to {service} ingest",
        "Pin {dependency} client version in {service}",
        "Cap retry fan-out from {service} to {dependency}",
        "Add schema migration check to {service} deploys",
    ),
    "detection": (
        "Add alert on queue depth for {service}",
        "Page on error-rate SLO burn for {service}",
        "Alert when {dependency} replication lag exceeds 30s",
        "Dashboard for {dependency} connection saturation",
        "Synthetic probe for {service} critical path",
    ),
    "mitigation": (
        "Write runbook for {service} failover",
        "Automate rollback for {service} deploys",
        "Add kill switch for {service} background jobs",
        "Document manual {dependency} failover steps",
        "Pre-scale {service} before the nightly batch",
    ),
    "process": (
        "Require second reviewer for {service} config changes",
        "Run game day for {dependency} outage",
        "Update on-call handoff checklist for {service}",
        "Add {dependency} expiry to the ops calendar",
        "Review paging policy for the {service} team",
    ),
}
TYPES = tuple(TITLES)
TYPE_LABEL_FORMS = ("{type}", "type:{type}", "action-type:{type}", "Type:{title}")
NOISE_TITLES = (
    "Flaky test in {service} integration suite",
    "Bump {dependency} SDK to latest minor",
    "Improve error message for {service} timeouts",
    "Add pagination to {service} admin list",
    "Refactor {service} config loader",
    "Dark mode toggle resets on reload",
    "Discussion: postmortem template for {incident}",
)
NOISE_LABELS = ("bug", "enhancement", "tech-debt", "documentation", "dependencies")
PR_TITLES = (
    "Fix retry storm in {service}",
    "Add queue depth alert for {service}",
    "Bump {dependency} client",
    "Runbook: {service} failover",
)
# Labelled items i < len(...) take these values so every variant appears at least once.
FORCED_STATES: tuple[tuple[str, str | None], ...] = (
    ("open", None),
    ("closed", "completed"),
    ("closed", "not_planned"),
    ("closed", "duplicate"),
    ("open", None),
    ("closed", None),
)
DUE_SOURCES = ("milestone", "body", "label", "none")
REASONS = (
    "Not doing this: the rewrite planned next quarter removes this code path.",
    "Dropping it; the new SLO alerts already cover this failure mode.",
    "Won't do: the cost outweighs the risk now that traffic moved off this path.",
    "Superseded by the platform-wide retry budget work.",
    "Closing as not planned, agreed in the review: the service is being decommissioned.",
)
REASON_SHARE = 0.8
"""Share of not_planned items closed with a reason comment (within the hour before)."""


@dataclass(frozen=True)
class Incident:
    """An incident the action items follow up on."""

    ref: str
    at: datetime
    service: str
    dependency: str


@dataclass
class Spec:
    """One issue to create; specs are created oldest first so numbers rise with time."""

    repo: str
    title: str
    body: str
    created_at: datetime
    updated_at: datetime
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    milestone_due: date | None = None
    state: str = "open"
    state_reason: str | None = None
    closed_at: datetime | None = None
    blocked_by: int = 0
    pull_request: bool = False
    user: str = "sre-lead"
    comments: int = 0


def seed_github(
    fake: FakeGitHub,
    *,
    seed: int,
    labelled: int,
    unlabelled: int = 0,
    pull_requests: int = 0,
    repos: Sequence[str] = ("acme/api", "acme/web"),
    label: str = "incident-action",
    now: datetime,
) -> None:
    """Fill `fake` with `labelled` action items over the year before `now`, plus noise.

    Noise issues lack `label` (some still mention an incident); about a third of the pull
    requests carry `label`, as PRs implementing an action item do.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    for name in repos:
        fake.add_repo(name)
    incidents = _incidents(rng, max(1, labelled // 3 + 1), now)
    specs = [
        _action_item(rng, i, rng.choice(incidents), repos, label, now) for i in range(labelled)
    ]
    specs += [_noise(rng, incidents, repos, now) for _ in range(unlabelled)]
    specs += [_pull_request(rng, incidents, repos, label, now) for _ in range(pull_requests)]
    specs.sort(key=lambda spec: spec.created_at)
    reasons = random.Random(f"{seed}:reasons")  # noqa: S311 - its own stream: items stay put
    for spec in specs:
        issue = fake.create_issue(
            spec.repo,
            title=spec.title,
            body=spec.body,
            labels=spec.labels,
            assignees=spec.assignees,
            milestone_due=spec.milestone_due,
            state=spec.state,
            state_reason=spec.state_reason,
            created_at=spec.created_at,
            closed_at=spec.closed_at,
            updated_at=spec.updated_at,
            pull_request=spec.pull_request,
            blocked_by=spec.blocked_by,
            user=spec.user,
            comments=spec.comments,
        )
        if spec.closed_at is not None and spec.state_reason in ("not_planned", "duplicate"):
            _explain_closure(fake, reasons, issue.node_id, spec)


def _explain_closure(fake: FakeGitHub, rng: random.Random, node_id: str, spec: Spec) -> None:
    """The comment a person leaves when closing without doing: duplicates always name the
    other item; most not_planned items say why, within the hour before the close."""
    assert spec.closed_at is not None
    if spec.state_reason == "duplicate":
        body = "Duplicate of an earlier action item for the same incident."
    elif rng.random() < REASON_SHARE:
        body = rng.choice(REASONS)
    else:
        return
    before = timedelta(minutes=rng.uniform(0, 45))
    at = max(spec.created_at, spec.closed_at - before)
    fake.comment(node_id, body, user=rng.choice(LOGINS), at=at)


def _incidents(rng: random.Random, count: int, now: datetime) -> list[Incident]:
    """Incidents INC-100, INC-101, ... in time order over the past year."""
    moments = sorted(now - timedelta(days=rng.uniform(2, 365)) for _ in range(count))
    return [
        Incident(f"INC-{100 + n}", at, rng.choice(SERVICES), rng.choice(DEPENDENCIES))
        for n, at in enumerate(moments)
    ]


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    if end <= start:
        return start
    return start + timedelta(seconds=rng.uniform(0, (end - start).total_seconds()))


def _action_item(
    rng: random.Random,
    index: int,
    incident: Incident,
    repos: Sequence[str],
    label: str,
    now: datetime,
) -> Spec:
    """One labelled action item following up `incident`."""
    kind = TYPES[index] if index < len(TYPES) else rng.choice(TYPES)
    typed = index < len(TYPES) or rng.random() < 0.9
    title = rng.choice(TITLES[kind]).format(
        service=incident.service, dependency=incident.dependency
    )
    body_lines = [
        f"{incident.service} {rng.choice(SYMPTOMS)}.",
        "",
        "Acceptance: the change is deployed and verified in production.",
    ]
    labels = [label]
    placement = rng.random()
    if placement < 0.45:
        labels.append(f"incident:{incident.ref}")
    elif placement < 0.8:
        title = f"[{incident.ref}] {title}"
    else:
        body_lines[0] = f"Follow-up from {incident.ref}: {body_lines[0]}"
    if typed:
        form = TYPE_LABEL_FORMS[index % 4] if index < len(TYPES) else rng.choice(TYPE_LABEL_FORMS)
        labels.append(form.format(type=kind, title=kind.title()))
    if rng.random() < 0.5:
        labels.append(rng.choice(("P1", "P2", "P3")))

    created = min(incident.at + timedelta(minutes=rng.uniform(10, 7200)), now)
    spec = Spec(
        repo=rng.choice(repos),
        title=title,
        body="",
        created_at=created,
        updated_at=created,
        labels=labels,
        user=rng.choice(REPORTERS),
        comments=rng.randint(0, 15),
    )
    count = index if index < 4 else rng.choices((0, 1, 2, 3), weights=(15, 60, 18, 7))[0]
    spec.assignees = rng.sample(LOGINS, count)

    due = created.date() + timedelta(days=rng.randint(7, 75))
    source = DUE_SOURCES[index] if index < 4 else rng.choices(DUE_SOURCES, (35, 20, 10, 35))[0]
    if source == "milestone":
        spec.milestone_due = due
    elif source == "body":
        body_lines.append(f"Due: {due.isoformat()}")
    elif source == "label":
        labels.append(f"due:{due.isoformat()}")

    if index < len(FORCED_STATES):
        spec.state, spec.state_reason = FORCED_STATES[index]
    else:
        spec.state, spec.state_reason = rng.choices(
            (*FORCED_STATES[:4], FORCED_STATES[5]), weights=(50, 32, 8, 4, 6)
        )[0]
    if spec.state == "closed":
        spec.closed_at = _between(rng, created, min(created + timedelta(days=120), now))
        spec.updated_at = _between(
            rng, spec.closed_at, min(spec.closed_at + timedelta(days=2), now)
        )
    else:
        blocked = index == 0 or (index >= len(FORCED_STATES) and rng.random() < 0.05)
        if blocked:
            labels.append("blocked")
        if index == 4 or (index >= len(FORCED_STATES) and rng.random() < 0.05):
            spec.blocked_by = rng.randint(1, 2)
        stale = rng.random() < 0.35
        window_start = created if stale else max(created, now - timedelta(days=30))
        window_end = min(created + timedelta(days=3), now) if stale else now
        spec.updated_at = _between(rng, window_start, window_end)
    spec.body = "\n".join(body_lines)
    return spec


def _noise(
    rng: random.Random, incidents: Sequence[Incident], repos: Sequence[str], now: datetime
) -> Spec:
    """An ordinary issue without the tracking label; some mention an incident anyway."""
    incident = rng.choice(incidents)
    title = rng.choice(NOISE_TITLES).format(
        service=rng.choice(SERVICES), dependency=rng.choice(DEPENDENCIES), incident=incident.ref
    )
    created = now - timedelta(days=rng.uniform(0.1, 730))
    spec = Spec(
        repo=rng.choice(repos),
        title=title,
        body=f"Seen around {incident.ref}.",
        created_at=created,
        updated_at=_between(rng, created, now),
        labels=rng.sample(NOISE_LABELS, rng.randint(0, 2)),
        assignees=rng.sample(LOGINS, rng.randint(0, 2)),
        user=rng.choice(LOGINS),
        comments=rng.randint(0, 30),
    )
    if rng.random() < 0.4:
        spec.state, spec.state_reason = "closed", "completed"
        spec.closed_at = spec.updated_at
    return spec


def _pull_request(
    rng: random.Random,
    incidents: Sequence[Incident],
    repos: Sequence[str],
    label: str,
    now: datetime,
) -> Spec:
    """A pull request; a third carry the tracking label and must never become items."""
    incident = rng.choice(incidents)
    title = rng.choice(PR_TITLES).format(service=incident.service, dependency=incident.dependency)
    created = _between(rng, incident.at, now)
    spec = Spec(
        repo=rng.choice(repos),
        title=title,
        body=f"Part of {incident.ref}.",
        created_at=created,
        updated_at=_between(rng, created, now),
        pull_request=True,
        user=rng.choice(LOGINS),
    )
    if rng.random() < 1 / 3:
        spec.labels = [label, f"incident:{incident.ref}", rng.choice(TYPES)]
    if rng.random() < 0.7:
        spec.state, spec.state_reason = "closed", None
        spec.closed_at = spec.updated_at
    return spec
