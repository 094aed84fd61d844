"""The Linear source's configuration: defaults, the Authorization header rule, partitions."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from connectors.linear.config import LINEAR_API, LinearConfig


def config(**keys: object) -> LinearConfig:
    return LinearConfig.model_validate({"name": "lin", "token": "lin_api_abc", **keys})


def test_defaults_follow_linear_and_the_design():
    made = config()
    assert made.endpoint == LINEAR_API
    assert (made.overlap, made.page_size, made.teams) == (120, 50, [])
    assert made.label == "incident-action"


@pytest.mark.parametrize(
    ("token", "header"),
    [
        pytest.param("lin_api_abc", "lin_api_abc", id="api-key-bare"),
        pytest.param("lin_oauth_xyz", "Bearer lin_oauth_xyz", id="oauth-bearer"),
        pytest.param("an-oauth-access-token", "Bearer an-oauth-access-token", id="other-bearer"),
    ],
)
def test_api_keys_go_bare_and_oauth_tokens_as_bearer(token, header):
    assert config(token=token).authorization() == header


def test_one_partition_per_team_else_the_workspace():
    assert config().partition_names() == ["workspace"]
    assert config(teams=["ENG", "OPS"]).partition_names() == ["team:ENG", "team:OPS"]


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param({"page_size": 0}, id="page-size-zero"),
        pytest.param({"page_size": 251}, id="page-size-over-250"),
        pytest.param({"overlap": -1}, id="negative-overlap"),
        pytest.param({"teams": ["ENG", "eng"]}, id="team-twice"),
        pytest.param({"teams": ["not a key"]}, id="team-not-a-key"),
        pytest.param({"url": "ftp://api.linear.app"}, id="not-http"),
        pytest.param({"projects": ["x"]}, id="unknown-key"),
        pytest.param({"token": "Bearer lin_oauth_xyz"}, id="token-with-bearer"),
        pytest.param({"token": "  "}, id="blank-token"),
    ],
)
def test_bad_keys_are_refused(keys):
    with pytest.raises(ValidationError):
        config(**keys)


def test_a_token_is_required_and_never_printed():
    with pytest.raises(ValidationError, match="token"):
        LinearConfig.model_validate({"name": "lin"})
    assert "lin_api_abc" not in repr(config())
