"""GitHub source configuration: repos and orgs, token, API root, paging knobs."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from connectors.github.config import GitHubConfig
from connectors.registry import load_connectors
from service.config import parse_settings


def config(**keys: object) -> GitHubConfig:
    return GitHubConfig.model_validate({"name": "github", "token": "t0k3n", **keys})


def test_defaults_to_github_com_with_two_minute_overlap_and_full_pages():
    cfg = config(repos=["acme/api"])
    assert cfg.api_root == "https://api.github.com"
    assert (cfg.overlap, cfg.page_size, cfg.label) == (120, 100, "incident-action")
    assert cfg.token.get_secret_value() == "t0k3n"


def test_enterprise_api_root_is_kept_with_its_path():
    cfg = config(url="https://ghe.example.com/api/v3/", orgs=["ops"])
    assert cfg.api_root == "https://ghe.example.com/api/v3"


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param({"repos": ["acme/api", "acme/web.site"]}, id="repos"),
        pytest.param({"orgs": ["acme", "ops-team"]}, id="orgs"),
        pytest.param({"repos": ["other/api"], "orgs": ["acme"]}, id="both"),
    ],
)
def test_repos_or_orgs_or_both_are_accepted(keys):
    cfg = config(**keys)
    assert cfg.repos == keys.get("repos", [])
    assert cfg.orgs == keys.get("orgs", [])


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        pytest.param({}, "set repos", id="neither"),
        pytest.param({"repos": [], "orgs": []}, "set repos", id="both-empty"),
        pytest.param({"repos": ["acme"]}, "owner/name", id="no-slash"),
        pytest.param({"repos": ["acme/api/x"]}, "owner/name", id="too-many-parts"),
        pytest.param({"repos": ["/api"]}, "owner/name", id="no-owner"),
        pytest.param({"repos": ["acme/.."]}, "owner/name", id="dot-dot"),
        pytest.param({"orgs": ["acme/api"]}, "organisation", id="org-with-slash"),
        pytest.param({"orgs": ["-acme"]}, "organisation", id="org-leading-dash"),
        pytest.param({"repos": ["acme/api", "Acme/API"]}, "listed twice", id="repo-twice"),
        pytest.param({"repos": ["acme/api"], "orgs": ["ACME"]}, "covered by its org", id="cover"),
        pytest.param({"repos": ["acme/api"], "page_size": 101}, "page_size", id="page-too-big"),
        pytest.param({"repos": ["acme/api"], "page_size": 0}, "page_size", id="page-zero"),
        pytest.param({"repos": ["acme/api"], "overlap": -1}, "overlap", id="negative-overlap"),
        pytest.param({"repos": ["acme/api"], "url": "ftp://ghe.example.com"}, "url", id="ftp"),
        pytest.param({"repos": ["acme/api"], "url": "ghe.example.com"}, "url", id="no-scheme"),
        pytest.param({"repos": ["acme/api"], "owner": "x"}, "owner", id="unknown-key"),
    ],
)
def test_invalid_configuration_is_refused_naming_the_problem(keys, message):
    with pytest.raises(ValidationError, match=message):
        config(**keys)


def test_token_is_required_and_never_printed():
    with pytest.raises(ValidationError, match="token"):
        GitHubConfig.model_validate({"name": "github", "repos": ["acme/api"]})
    assert "t0k3n" not in repr(config(repos=["acme/api"]))


def test_a_github_source_in_the_config_file_gets_its_token_and_inherited_label():
    data = {
        "label": "follow-up",
        "sources": [
            {"name": "github", "kind": "github", "token": "${GH_TOKEN}", "orgs": ["acme"]},
        ],
    }
    settings = parse_settings(data, load_connectors(), env={"GH_TOKEN": "s3cret"})

    [source] = settings.sources
    assert isinstance(source.connector, GitHubConfig)
    assert source.connector.label == "follow-up"
    assert source.connector.token.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)
