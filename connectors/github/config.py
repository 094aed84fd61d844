"""Configuration of a GitHub source: which repos and orgs to poll, and how.

`repos` are `owner/name` (one partition each); `orgs` are org logins (one org-wide
partition each). GitHub Enterprise takes its API root as `url`, e.g.
`https://ghe.example.com/api/v3`.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, AnyHttpUrl, Field, SecretStr, model_validator

from connectors.config import ConnectorConfig

GITHUB_API = "https://api.github.com"
MAX_PAGE_SIZE = 100

_REPO = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9._-]+$")
_ORG = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")


def _repo_name(value: str) -> str:
    if not _REPO.match(value) or value.endswith(("/.", "/..")):
        raise ValueError(f"{value!r} is not a repository in owner/name form")
    return value


def _org_name(value: str) -> str:
    if not _ORG.match(value):
        raise ValueError(f"{value!r} is not an organisation login")
    return value


RepoName = Annotated[str, AfterValidator(_repo_name)]
OrgName = Annotated[str, AfterValidator(_org_name)]


class GitHubConfig(ConnectorConfig):
    """A GitHub (or GitHub Enterprise) source. `overlap` is how many seconds before the
    cursor each poll re-reads; `page_size` is GitHub's `per_page` (at most 100)."""

    url: AnyHttpUrl = AnyHttpUrl(GITHUB_API)
    token: SecretStr
    repos: list[RepoName] = Field(default_factory=list)
    orgs: list[OrgName] = Field(default_factory=list)
    overlap: int = Field(default=120, ge=0, le=86_400)
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)

    @model_validator(mode="after")
    def _one_listing_per_item(self) -> GitHubConfig:
        if not self.repos and not self.orgs:
            raise ValueError("set repos (owner/name) or orgs, or both")
        seen: set[str] = set()
        for name in (*self.repos, *self.orgs):
            if name.casefold() in seen:
                raise ValueError(f"{name!r} is listed twice")
            seen.add(name.casefold())
        orgs = {org.casefold() for org in self.orgs}
        for repo in self.repos:
            if repo.split("/")[0].casefold() in orgs:
                raise ValueError(f"repo {repo!r} is already covered by its org in orgs")
        return self

    @property
    def api_root(self) -> str:
        """The API base URL without a trailing slash."""
        return str(self.url).rstrip("/")
