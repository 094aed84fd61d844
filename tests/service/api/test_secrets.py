"""Canary secrets, API side (RELIABILITY check 10): every secret in the config is a unique
canary — the read and admin API tokens, a GitHub, a Jira and a Linear token (accepted and
refused), the database password — and none appears in any API answer (every route, the
OpenAPI document, `/metrics`, sources and sync runs with their errors), in the service's
logs at DEBUG, in `repr`/`str` of the settings, or in a config error and its traceback."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from connectors.registry import load_connectors
from connectors.testing import FakeGitHub, FakeJira, FakeLinear
from connectors.testing.jira import EMAIL
from connectors.testing.server import serve
from service import logs
from service.api.routes import sources as sources_route
from service.app import create_app
from service.config import ConfigError, Settings, parse_settings
from tests.service.api.conftest import bearer
from tests.service.api.route_table import calls

CANARIES = {
    "READ_TOKEN": "canary-read-4e1f9a",
    "ADMIN_TOKEN": "canary-admin-7b2c5d",
    "GITHUB_TOKEN": "canary-github-0d8e3f",
    "JIRA_TOKEN": "canary-jira-9a6b1c",
    "LINEAR_TOKEN": "lin_api_canary5f2e8d7c",
    "REFUSED_GITHUB": "canary-refused-gh-3c7a",
    "REFUSED_JIRA": "canary-refused-jira-8e2d",
    "REFUSED_LINEAR": "lin_api_canaryrefused1b4f",
    "DB_PASSWORD": "canary-db-6f0a2e",
}
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LABEL = "incident-action"


def leaks(text: str) -> list[str]:
    """The canaries (by variable name) found in `text`."""
    return [name for name, value in CANARIES.items() if value in text]


def config(github: str, jira: str, linear: str) -> dict[str, Any]:
    """A config with every kind of source, each once with an accepted and once with a
    refused token; every secret comes from `${VAR}` as an operator would write it."""
    return {
        "database_url": "postgresql+psycopg://ft:${DB_PASSWORD}@db.invalid:5432/ft",
        "api": {"read_tokens": ["${READ_TOKEN}"], "admin_tokens": ["${ADMIN_TOKEN}"]},
        "sources": [
            {
                "name": "gh",
                "kind": "github",
                "url": github,
                "token": "${GITHUB_TOKEN}",
                "repos": ["acme/api"],
            },
            {
                "name": "gh-refused",
                "kind": "github",
                "url": github,
                "token": "${REFUSED_GITHUB}",
                "repos": ["acme/api"],
            },
            {"name": "jira", "kind": "jira", "url": jira, "email": EMAIL, "token": "${JIRA_TOKEN}"},
            {
                "name": "jira-refused",
                "kind": "jira",
                "url": jira,
                "email": EMAIL,
                "token": "${REFUSED_JIRA}",
            },
            {
                "name": "linear",
                "kind": "linear",
                "url": linear + "/graphql",
                "token": "${LINEAR_TOKEN}",
            },
            {
                "name": "linear-refused",
                "kind": "linear",
                "url": linear + "/graphql",
                "token": "${REFUSED_LINEAR}",
            },
        ],
    }


@pytest.fixture
def trackers() -> Iterator[tuple[str, str, str]]:
    """Fake GitHub, Jira Cloud and Linear on loopback, each accepting only its canary and
    holding one labelled item."""
    github = FakeGitHub(now=NOW)
    github.add_repo("acme/api")
    github.valid_tokens = {CANARIES["GITHUB_TOKEN"]}
    github.create_issue("acme/api", title="Add a canary deploy stage", labels=(LABEL,))
    jira = FakeJira("cloud", now=NOW)
    jira.token = CANARIES["JIRA_TOKEN"]
    jira.create_issue("OPS", "Alert on queue depth", labels=[LABEL])
    linear = FakeLinear(now=NOW)
    linear.add_team("ENG")
    linear.api_keys = {CANARIES["LINEAR_TOKEN"]}
    linear.create_issue("ENG", title="Write the failover runbook", labels=(LABEL,))
    with ExitStack() as stack:
        bases = [stack.enter_context(serve(fake.app)) for fake in (github, jira, linear)]
        yield bases[0], bases[1], bases[2]


@pytest.fixture
def settings(trackers) -> Settings:
    return parse_settings(config(*trackers), load_connectors(), env=CANARIES)


@pytest.fixture
def debug_logs(settings) -> Iterator[None]:
    """The service's own logging (redacting, to stderr) with every logger at DEBUG."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    logs.set_up(settings)
    root.setLevel(logging.DEBUG)
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def client(settings, engine, clock, debug_logs) -> Iterator[TestClient]:
    app = create_app(settings, engine=engine, clock=clock)
    with TestClient(app, raise_server_exceptions=False) as started:
        yield started


def test_no_canary_in_any_answer_or_log_line(client, settings, capsys):
    admin = bearer(CANARIES["ADMIN_TOKEN"])
    answers = []
    for source in settings.sources:
        response = client.post(f"/api/v1/sources/{source.name}/sync", headers=admin)
        assert response.status_code == 202, response.text
    for name in [source.name for source in settings.sources]:
        for call in calls(client.app, word=name):
            answers.append(client.request(call.method, call.path, headers=admin))
    answers.append(client.get("/api/v1/review", headers={**admin, "Accept": "text/markdown"}))
    answers.append(client.get("/api/v1/items", headers=bearer(CANARIES["REFUSED_GITHUB"])))

    sources = {s["name"]: s for s in client.get("/api/v1/sources", headers=admin).json()["sources"]}
    assert {name: s["status"] for name, s in sources.items()} == {
        "gh": "ok",
        "gh-refused": "misconfigured",
        "jira": "ok",
        "jira-refused": "misconfigured",
        "linear": "ok",
        "linear-refused": "misconfigured",
    }
    assert all(s["last_error"] for n, s in sources.items() if n.endswith("-refused"))
    assert client.get("/api/v1/items", headers=admin).json()["items"], "nothing was mirrored"
    every = "\n".join(f"{r.status_code} {r.headers} {r.text}" for r in answers)
    assert "/openapi.json" in {r.request.url.path for r in answers}
    assert "followthrough_items" in every  # /metrics answered
    assert leaks(every) == []
    err = capsys.readouterr().err
    assert "sync run" in err
    assert "DEBUG" in err
    assert leaks(err) == []


def test_an_unexpected_failure_holding_a_token_leaks_it_neither_to_the_client_nor_the_log(
    client, monkeypatch, capsys
):
    def explode(*_: object) -> set[str]:
        raise RuntimeError(f"connecting with {CANARIES['JIRA_TOKEN']} failed")

    monkeypatch.setattr(sources_route.run_store, "running_sources", explode)
    response = client.get("/api/v1/sources", headers=bearer(CANARIES["READ_TOKEN"]))
    assert response.status_code == 500
    assert leaks(response.text) == []
    err = capsys.readouterr().err
    assert "RuntimeError: connecting with [redacted] failed" in err
    assert leaks(err) == []


def test_repr_and_str_of_the_settings_and_each_source_hold_no_canary(settings):
    shown = [repr(settings), str(settings)]
    shown += [repr(source) for source in settings.sources]
    shown += [str(source.connector) for source in settings.sources]
    assert leaks("\n".join(shown)) == []


def full_output(error: BaseException) -> str:
    return str(error) + repr(error) + "".join(traceback.format_exception(error))


@pytest.mark.parametrize(
    "broken",
    [
        {"url": "${GITHUB_TOKEN}"},  # a token pasted where the URL goes
        {"page_size": "${JIRA_TOKEN}"},
        {"unknown_key": "${LINEAR_TOKEN}"},
        {"token": ""},
        {"label": ["${REFUSED_GITHUB}"]},
    ],
    ids=["token-as-url", "token-as-number", "unknown-key", "empty-token", "token-as-label"],
)
@pytest.mark.parametrize("kind", [0, 2, 4], ids=["github", "jira", "linear"])
def test_a_config_error_in_any_kind_of_source_shows_no_canary(kind, broken):
    data = config("https://api.github.com", "https://x.atlassian.net", "https://api.linear.app")
    data["sources"][kind].update(broken)
    data["api"]["read_tokens"].append({"nested": "${READ_TOKEN}"})
    with pytest.raises(ConfigError) as caught:
        parse_settings(data, load_connectors(), env=CANARIES)
    assert leaks(full_output(caught.value)) == []
