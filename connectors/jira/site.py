"""What a connector learns about a Jira site once per run: flavour, the API user's time
zone, the ids of the Flagged and type fields, and (for history) each status's category."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.errors import BadResponse, ConfigError
from connectors.jira.client import JiraClient
from connectors.jira.config import JiraConfig

FLAGGED = "Flagged"
CLOUD = "Cloud"


@dataclass(frozen=True)
class Site:
    """A Jira site as this run's requests found it."""

    cloud: bool
    zone: ZoneInfo
    flagged_field: str | None
    type_field: str | None


@dataclass(frozen=True)
class Status:
    """A workflow status: its name and its category key (new, indeterminate, done)."""

    name: str
    category: str


def load_site(client: JiraClient, config: JiraConfig) -> Site:
    """serverInfo (Cloud or Data Center), /myself (time zone) and /field (field ids)."""
    where = f"Jira site {config.site}"
    info = client.get("/rest/api/2/serverInfo", what=where).data
    cloud = isinstance(info, Mapping) and info.get("deploymentType") == CLOUD
    if cloud and not client.basic:
        raise ConfigError(
            f"{where} is Jira Cloud: set `email` (the API token's account) next to the token"
        )
    me = client.get("/rest/api/2/myself", what=f"{where} (/myself, with {client.credential})").data
    zone_name = me.get("timeZone") if isinstance(me, Mapping) else None
    try:
        zone = ZoneInfo(zone_name) if isinstance(zone_name, str) else None
    except (ZoneInfoNotFoundError, ValueError):
        zone = None
    if zone is None:
        raise BadResponse(f"{where}: /myself names no usable timeZone: {zone_name!r}")
    fields = client.get("/rest/api/2/field", what=f"{where} (/field)").data
    if not isinstance(fields, list):
        raise BadResponse(f"{where}: /field is not a JSON list")
    type_field = None
    if config.type_field is not None:
        type_field = _field_id(fields, config.type_field)
        if type_field is None:
            raise ConfigError(f"{where}: no field named {config.type_field!r} (type_field)")
    return Site(cloud, zone, _field_id(fields, FLAGGED), type_field)


def load_statuses(client: JiraClient, site: str) -> dict[str, Status]:
    """Every status by id, for mapping changelog status ids to categories."""
    data = client.get("/rest/api/2/status", what=f"Jira site {site} (/status)").data
    if not isinstance(data, list):
        raise BadResponse(f"Jira site {site}: /status is not a JSON list")
    found: dict[str, Status] = {}
    for entry in data:
        if not isinstance(entry, Mapping):
            continue
        category = entry.get("statusCategory")
        key = category.get("key") if isinstance(category, Mapping) else None
        status_id, name = entry.get("id"), entry.get("name")
        if isinstance(status_id, str) and isinstance(name, str) and isinstance(key, str):
            found[status_id] = Status(name, key)
    return found


def _field_id(fields: list[Any], wanted: str) -> str | None:
    """The id of the field named `wanted` (any case), or `wanted` itself when it is an id."""
    for field in fields:
        if isinstance(field, Mapping) and isinstance(field.get("id"), str):
            name = field.get("name")
            if field["id"] == wanted or (
                isinstance(name, str) and name.casefold() == wanted.casefold()
            ):
                return str(field["id"])
    return None
