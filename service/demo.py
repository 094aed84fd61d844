"""`followthrough demo`: sample trackers on loopback, synced by the real connectors, served.

The fake trackers of `connectors.testing` are seeded with realistic incident action
items, so a newcomer sees a full mirror without credentials. The demo database is
recreated on every run; nothing leaves the machine.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from connectors.base import Connector
from connectors.testing.dataset import seed_github
from connectors.testing.github import FakeGitHub
from connectors.testing.server import serve
from service.config import Settings, parse_settings

DEMO_DIR = Path(".followthrough-demo")
DEMO_REPOS = ("acme/api", "acme/web", "acme/payments")
DEMO_TOKEN = "demo-token"  # noqa: S105 - the fake accepts any token; nothing real is at stake

SourceEntry = dict[str, object]


@contextmanager
def sample_trackers(*, seed: int, items: int, now: datetime) -> Iterator[list[SourceEntry]]:
    """Start seeded fake trackers on loopback; yield their config-file source entries."""
    github = FakeGitHub(now=now)
    seed_github(
        github,
        seed=seed,
        labelled=items,
        unlabelled=items // 2,
        pull_requests=items // 10,
        repos=DEMO_REPOS,
        now=now,
    )
    with serve(github.app) as url:
        yield [
            {
                "name": "github",
                "kind": "github",
                "url": url,
                "token": DEMO_TOKEN,
                "repos": list(DEMO_REPOS),
            }
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
