"""Configuration of a Linear source: endpoint, credential, optional teams, paging.

`token` is a personal API key (`lin_api_…`, sent as `Authorization: <key>`) or an OAuth
access token (anything else, sent as `Authorization: Bearer <token>`). With `teams` set,
each team key is one partition; without, the whole workspace is one.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, AnyHttpUrl, Field, SecretStr, field_validator

from connectors.config import ConnectorConfig

LINEAR_API = "https://api.linear.app/graphql"
API_KEY_PREFIX = "lin_api_"
MAX_PAGE_SIZE = 250
DEFAULT_PAGE_SIZE = 50
WORKSPACE_PARTITION = "workspace"
TEAM_PARTITION_PREFIX = "team:"

_TEAM_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{0,14}$")


def _team_key(value: str) -> str:
    if not _TEAM_KEY.match(value):
        raise ValueError(f"{value!r} is not a Linear team key (e.g. ENG)")
    return value


TeamKey = Annotated[str, AfterValidator(_team_key)]


class LinearConfig(ConnectorConfig):
    """A Linear source. `overlap` is how many seconds before the cursor each poll re-reads;
    `page_size` is the GraphQL `first` (50 keeps query complexity modest; at most 250)."""

    url: AnyHttpUrl = AnyHttpUrl(LINEAR_API)
    token: SecretStr
    teams: list[TeamKey] = Field(default_factory=list)
    overlap: int = Field(default=120, ge=0, le=86_400)
    page_size: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)

    @field_validator("teams")
    @classmethod
    def _teams_once(cls, teams: list[str]) -> list[str]:
        seen: set[str] = set()
        for key in teams:
            if key.casefold() in seen:
                raise ValueError(f"team {key!r} is listed twice")
            seen.add(key.casefold())
        return teams

    @field_validator("token")
    @classmethod
    def _token_alone(cls, token: SecretStr) -> SecretStr:
        secret = token.get_secret_value().strip()
        if not secret:
            raise ValueError("is empty")
        if secret.lower().startswith("bearer "):
            raise ValueError(
                "give the token alone, without `Bearer`: the header form follows the token "
                "(lin_api_… keys are sent bare, OAuth tokens as Bearer)"
            )
        return token

    @property
    def endpoint(self) -> str:
        """The GraphQL endpoint as configured."""
        return str(self.url)

    @property
    def is_api_key(self) -> bool:
        """True for a personal API key, which Linear wants without `Bearer`."""
        return self.token.get_secret_value().startswith(API_KEY_PREFIX)

    def authorization(self) -> str:
        """The `Authorization` header value: the bare API key, or `Bearer <OAuth token>`."""
        secret = self.token.get_secret_value().strip()
        return secret if self.is_api_key else f"Bearer {secret}"

    def partition_names(self) -> list[str]:
        """`team:<KEY>` per configured team, else the single `workspace` partition."""
        if not self.teams:
            return [WORKSPACE_PARTITION]
        return [f"{TEAM_PARTITION_PREFIX}{key}" for key in self.teams]
