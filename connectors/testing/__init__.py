"""Loopback fakes of tracker APIs for tests, benchmarks and the demo: real HTTP, no network.

`FakeGitHub` speaks the REST subset PyGithub uses; `serve` runs any ASGI app on 127.0.0.1;
`seed_github` fills a fake with realistic incident action items. `FakeLinear` answers the
GraphQL queries the Linear connector sends; `seed_linear` fills it. `FakeJira` serves Jira
Cloud or Data Center REST v2; `seed_jira` fills it.
"""

from __future__ import annotations

from connectors.testing.dataset import seed_github
from connectors.testing.github import FakeGitHub
from connectors.testing.github_model import FakeEvent, FakeIssue, FakeRepo
from connectors.testing.github_traffic import RecordedRequest
from connectors.testing.jira import FakeJira
from connectors.testing.jira_dataset import seed_jira
from connectors.testing.linear import FakeLinear
from connectors.testing.linear_dataset import seed_linear
from connectors.testing.server import serve

__all__ = [
    "FakeEvent",
    "FakeGitHub",
    "FakeIssue",
    "FakeJira",
    "FakeLinear",
    "FakeRepo",
    "RecordedRequest",
    "seed_github",
    "seed_jira",
    "seed_linear",
    "serve",
]
