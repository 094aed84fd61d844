"""A golden review: the fake GitHub seeded with realistic action items, synced by the real
connector, reviewed at a fixed `as_of`; the Markdown must match the checked-in file.

Regenerate after an intended change with `FOLLOWTHROUGH_REGOLD=1 pytest <this file>`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from connectors.github import GitHubConnector
from connectors.testing import FakeGitHub, seed_github
from connectors.testing.server import serve
from service.clock import ManualClock
from service.config import Settings, SourceSettings
from service.metrics.items import item_scope
from service.metrics.params import MetricFilters
from service.review.markdown import render
from service.review.packet import packet
from service.review.policy import DueDatePolicy
from service.sync.runner import SyncRunner
from tests.conftest import NOW
from tests.connectors.github.conftest import github_config

GOLDEN = Path(__file__).with_name("golden_review.md")
REPOS = ["acme/api", "acme/payments"]
WEB = "https://github.example"
POLICY = {"P1": timedelta(days=15), "P2": timedelta(days=30)}


@pytest.fixture
def served() -> Iterator[str]:
    fake = FakeGitHub(now=NOW)
    seed_github(fake, seed=11, labelled=45, unlabelled=10, repos=REPOS, now=NOW)
    with serve(fake.app) as url:
        yield url


def review_markdown(sessions: sessionmaker[Session], url: str) -> str:
    config = github_config(url, name="github", repos=REPOS)
    source = SourceSettings(name="github", kind="github", connector=config)
    result = SyncRunner(sessions, ManualClock(NOW), {"github": GitHubConnector}).sync(source)
    assert result.status == "success"
    settings = Settings(database_url="sqlite://", sources=[source], due_date_policy=POLICY)
    scope = item_scope(settings)
    assert scope.policy == DueDatePolicy.from_config(POLICY)
    with sessions() as session:
        found = packet(session, scope, MetricFilters(), NOW, NOW - timedelta(days=14), now=NOW)
    return render(found).replace(url, WEB)


def test_the_review_of_the_seeded_trackers_matches_the_golden_file(sessions, served):
    markdown = review_markdown(sessions, served)
    if os.environ.get("FOLLOWTHROUGH_REGOLD"):
        GOLDEN.write_text(markdown, encoding="utf-8")
    assert markdown == GOLDEN.read_text(encoding="utf-8")
