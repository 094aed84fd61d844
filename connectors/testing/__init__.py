"""Loopback fakes of tracker APIs for tests, benchmarks and the demo: real HTTP, no network.

`FakeGitHub` speaks the REST subset PyGithub uses; `serve` runs any ASGI app on 127.0.0.1;
`seed_github` fills a fake with realistic incident action items.
"""

from __future__ import annotations

from connectors.testing.dataset import seed_github
from connectors.testing.github import FakeGitHub
from connectors.testing.github_model import FakeEvent, FakeIssue, FakeRepo
from connectors.testing.github_traffic import RecordedRequest
from connectors.testing.server import serve

__all__ = [
    "FakeEvent",
    "FakeGitHub",
    "FakeIssue",
    "FakeRepo",
    "RecordedRequest",
    "seed_github",
    "serve",
]
