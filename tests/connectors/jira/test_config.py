"""The Jira source's keys: defaults, validation, and loading from the config file."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from connectors.jira.config import DEFAULT_WONT_DO, JiraConfig
from connectors.registry import load_connectors
from service.config import parse_settings


def config(**keys: object) -> JiraConfig:
    return JiraConfig.model_validate(
        {"name": "jira", "url": "https://acme.atlassian.net/", "token": "t0k3n", **keys}
    )


def test_defaults():
    made = config()
    assert made.site == "https://acme.atlassian.net"
    assert made.wont_do_resolutions == list(DEFAULT_WONT_DO)
    assert (made.overlap, made.page_size, made.email, made.jql) == (600, 100, None, None)


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        pytest.param({"incident_project": "inc"}, "project key", id="lower-case-project"),
        pytest.param({"page_size": 500}, "page_size", id="page-too-large"),
        pytest.param({"overlap": -1}, "overlap", id="negative-overlap"),
        pytest.param({"url": "acme.atlassian.net"}, "url", id="no-scheme"),
        pytest.param({"project": "OPS"}, "project", id="unknown-key"),
    ],
)
def test_invalid_configuration_is_refused_naming_the_problem(keys, message):
    with pytest.raises(ValidationError, match=message):
        config(**keys)


def test_blank_optional_keys_are_absent_and_the_token_never_prints():
    made = config(jql="  ", email="")
    assert (made.jql, made.email) == (None, None)
    assert "t0k3n" not in repr(made)


def test_a_jira_source_in_the_config_file():
    data = {
        "sources": [
            {
                "name": "jira-prod",
                "kind": "jira",
                "url": "https://example.atlassian.net",
                "email": "bot@example.com",
                "token": "${JIRA_TOKEN}",
                "jql": "project in (OPS, PLAT)",
                "incident_project": "INC",
                "wont_do_resolutions": ["Won't Do", "Duplicate"],
                "type_field": "Action Type",
                "poll_interval": "5m",
            }
        ]
    }
    [source] = parse_settings(data, load_connectors(), env={"JIRA_TOKEN": "s3cret"}).sources
    assert isinstance(source.connector, JiraConfig)
    assert source.connector.token.get_secret_value() == "s3cret"
    assert source.connector.wont_do_resolutions == ["Won't Do", "Duplicate"]
