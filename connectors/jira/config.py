"""Configuration of a Jira source (Cloud or Data Center): where, who, and which issues.

Cloud authenticates with `email` plus an API token (HTTP basic); Data Center with a
personal access token alone (Bearer), so `email` is left out there. The flavour itself
is read from the site's serverInfo, not configured.
"""

from __future__ import annotations

import re

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator

from connectors.config import ConnectorConfig

DEFAULT_WONT_DO = ("Won't Do", "Won't Fix", "Declined", "Duplicate", "Cannot Reproduce")
DEFAULT_OVERLAP_SECONDS = 600
MAX_PAGE_SIZE = 100
PARTITION = "jql"
"""The one listing a Jira source polls: its label-and-JQL query."""

_PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]*$")


class JiraConfig(ConnectorConfig):
    """A Jira source. `jql` is ANDed with the label clause; `overlap` is how many seconds
    before the cursor each poll re-reads (Cloud search is eventually consistent and JQL
    dates have minute precision); `page_size` is the `maxResults` asked for."""

    url: AnyHttpUrl
    token: SecretStr
    email: str | None = None
    jql: str | None = None
    incident_project: str | None = None
    wont_do_resolutions: list[str] = Field(default_factory=lambda: list(DEFAULT_WONT_DO))
    type_field: str | None = None
    overlap: int = Field(default=DEFAULT_OVERLAP_SECONDS, ge=0, le=86_400)
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)

    @field_validator("jql", "type_field", "email")
    @classmethod
    def _blank_is_absent(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("incident_project")
    @classmethod
    def _project_key(cls, value: str | None) -> str | None:
        if value is not None and not _PROJECT_KEY.match(value):
            raise ValueError(f"{value!r} is not a Jira project key (e.g. INC)")
        return value

    @property
    def site(self) -> str:
        """The site's base URL without a trailing slash."""
        return str(self.url).rstrip("/")
