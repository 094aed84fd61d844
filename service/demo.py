"""`followthrough demo`: sample trackers on loopback, synced by the real connectors, served.

The fake Jira, GitHub and Linear of `connectors.testing` are seeded with a year of
realistic incident action items whose incident refs (`INC-100`, `INC-101`, …) are shared
across the three, so one incident's actions span trackers. A newcomer sees a full mirror
without credentials; the demo database is recreated on every run; nothing leaves the
machine.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path

from connectors.base import Connector
from connectors.testing.dataset import seed_github
from connectors.testing.github import FakeGitHub
from connectors.testing.jira import EMAIL, TOKEN, FakeJira
from connectors.testing.jira_dataset import seed_jira
from connectors.testing.linear import API_KEY, FakeLinear
from connectors.testing.linear_dataset import seed_linear
from connectors.testing.server import serve
from service.config import Settings, parse_settings

DEMO_DIR = Path(".followthrough-demo")
DEMO_REPOS = ("acme/api", "acme/web", "acme/payments")
DEMO_PROJECTS = ("OPS", "PLAT")
DEMO_TEAMS = ("ENG", "SRE")
INCIDENT_PROJECT = "INC"
FIRST_INCIDENT = 100
"""The GitHub and Linear datasets number incidents from INC-100; Jira's incident project
is numbered to match, so the same refs appear in all three trackers."""
DEMO_TOKEN = "demo-token"  # noqa: S105 - the fake accepts any token; nothing real is at stake
KINDS = ("github", "jira", "linear")

SourceEntry = dict[str, object]


def split_items(items: int) -> dict[str, int]:
    """`items` action items shared out over the trackers: equal parts, the remainder going
    to the first kinds (github, then jira), so the total is exactly `items`."""
    share, rest = divmod(items, len(KINDS))
    return {kind: share + (1 if n < rest else 0) for n, kind in enumerate(KINDS)}


@contextmanager
def sample_trackers(*, seed: int, items: int, now: datetime) -> Iterator[list[SourceEntry]]:
    """Start seeded fake GitHub, Jira and Linear on loopback; yield their config-file source
    entries (one per tracker; `items` labelled action items in all, plus unlabelled noise)."""
    counts = split_items(items)
    github = FakeGitHub(now=now)
    seed_github(
        github,
        seed=seed,
        labelled=counts["github"],
        unlabelled=counts["github"] // 2,
        pull_requests=counts["github"] // 10,
        repos=DEMO_REPOS,
        now=now,
    )
    jira = FakeJira("cloud", now=now)
    seed_jira(
        jira,
        seed=seed,
        labelled=counts["jira"],
        unlabelled=counts["jira"] // 2,
        projects=DEMO_PROJECTS,
        incident_project=INCIDENT_PROJECT,
        first_incident=FIRST_INCIDENT,
        now=now,
    )
    linear = FakeLinear(now=now)
    seed_linear(
        linear,
        seed=seed,
        labelled=counts["linear"],
        unlabelled=counts["linear"] // 2,
        teams=DEMO_TEAMS,
        now=now,
    )
    with ExitStack() as stack:
        github_url = stack.enter_context(serve(github.app))
        jira_url = stack.enter_context(serve(jira.app))
        linear_url = stack.enter_context(serve(linear.app))
        yield [
            {
                "name": "github",
                "kind": "github",
                "url": github_url,
                "token": DEMO_TOKEN,
                "repos": list(DEMO_REPOS),
            },
            {
                "name": "jira",
                "kind": "jira",
                "url": jira_url,
                "email": EMAIL,
                "token": TOKEN,
                "jql": f"project in ({', '.join(DEMO_PROJECTS)})",
                "incident_project": INCIDENT_PROJECT,
                "type_field": "Action Type",
            },
            {
                "name": "linear",
                "kind": "linear",
                "url": f"{linear_url}/graphql",
                "token": API_KEY,
                "teams": list(DEMO_TEAMS),
            },
        ]


def demo_settings(
    directory: Path, sources: list[SourceEntry], connectors: Mapping[str, type[Connector]]
) -> Settings:
    """Settings for a fresh SQLite mirror under `directory` syncing `sources`."""
    directory.mkdir(parents=True, exist_ok=True)
    database = directory / "followthrough.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    data = {"database_url": f"sqlite:///{database}", "sources": sources}
    return parse_settings(data, connectors, env={}, origin="demo")
