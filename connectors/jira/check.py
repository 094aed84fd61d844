"""`followthrough check` for a Jira source: reach the site, sign in, look up each project.

The projects are those the `jql` names (`project = X`, `project in (X, Y)`) and the
`incident_project`; each is looked up with `GET /rest/api/2/project/{key}`, which answers
404 both when it does not exist and when the API user may not browse it. Then the
source's own query runs once with `maxResults=1`, so a JQL Jira refuses shows up here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial

from connectors.base import CheckReport, Finding
from connectors.checks import AUTH, attempt, reach
from connectors.errors import BadResponse, ConfigError
from connectors.jira.client import JiraClient
from connectors.jira.config import JiraConfig
from connectors.jira.search import scoped
from connectors.jira.site import CLOUD

_PROJECT_CLAUSE = re.compile(
    r"\bproject\s*(?:=|\bin\b)\s*(\([^)]*\)|\"[^\"]*\"|'[^']*'|[\w-]+)", re.IGNORECASE
)
_KEY = re.compile(r"^[A-Z][A-Z0-9_]*$")


def project_keys(config: JiraConfig) -> list[str]:
    """The project keys the source's `jql` names, then its `incident_project`, once each."""
    keys: list[str] = []
    for match in _PROJECT_CLAUSE.finditer(config.jql or ""):
        for value in match.group(1).strip("()").split(","):
            key = value.strip().strip("\"'").upper()
            if _KEY.match(key):
                keys.append(key)
    if config.incident_project:
        keys.append(config.incident_project)
    return list(dict.fromkeys(keys))


def check(config: JiraConfig, client: JiraClient) -> CheckReport:
    """Reachability, serverInfo, `/myself`, the type field, each project, the query."""
    where = f"Jira site {config.site}"
    reached = reach(config.site)
    if not reached.ok:
        return CheckReport(None, [reached])
    cloud: list[bool] = []

    def site() -> str:
        info = client.get("/rest/api/2/serverInfo", what=f"{where} (serverInfo)").data
        if not isinstance(info, Mapping):
            raise BadResponse(f"{where}: serverInfo is not a JSON object")
        cloud.append(info.get("deploymentType") == CLOUD)
        flavour = "Jira Cloud" if cloud[0] else "Jira Data Center"
        return f"{flavour} {info.get('version', '')}".strip()

    found = attempt("site", site)
    findings: list[Finding] = [reached, found]
    if not found.ok:
        return CheckReport(None, findings)
    identity: list[str] = []

    def who() -> str:
        if cloud[0] and not client.basic:
            raise ConfigError(
                f"{where} is Jira Cloud: set `email` (the API token's account) next to the token"
            )
        me = client.get("/rest/api/2/myself", what=f"{where} (/myself, with {client.credential})")
        identity.append(_identity(me.data))
        return f"signed in as {identity[0]}"

    signed_in = attempt(AUTH, who)
    findings.append(signed_in)
    if not signed_in.ok:
        return CheckReport(None, findings)
    if config.type_field is not None:
        findings.append(attempt("type_field", lambda: _type_field(client, config, where)))
    for key in project_keys(config):
        findings.append(attempt(f"project {key}", partial(_project, client, key, where)))
    findings.append(attempt("query", lambda: _query(client, config, cloud[0], where)))
    return CheckReport(identity[0], findings)


def _identity(me: object) -> str:
    """`displayName (accountId …)` on Cloud, `displayName (name)` on Data Center."""
    if not isinstance(me, Mapping) or not isinstance(me.get("displayName"), str):
        raise BadResponse("Jira /myself: the answer names no displayName")
    handle = me.get("accountId") or me.get("name")
    return f"{me['displayName']} ({handle})" if isinstance(handle, str) else me["displayName"]


def _type_field(client: JiraClient, config: JiraConfig, where: str) -> str:
    fields = client.get("/rest/api/2/field", what=f"{where} (/field)").data
    wanted = (config.type_field or "").casefold()
    for field in fields if isinstance(fields, list) else []:
        if isinstance(field, Mapping) and wanted in (
            str(field.get("id", "")).casefold(),
            str(field.get("name", "")).casefold(),
        ):
            return f"field {config.type_field!r} is {field.get('id')}"
    raise ConfigError(f"{where}: no field named {config.type_field!r} (type_field)")


def _project(client: JiraClient, key: str, where: str) -> str:
    response = client.get(f"/rest/api/2/project/{key}", what=f"{where} project {key}", gone_ok=True)
    if response.status == 404:
        raise ConfigError(
            f"{where}: no project {key}, or the API user lacks Browse Projects on it (HTTP 404)"
        )
    data = response.data
    name = data.get("name") if isinstance(data, Mapping) else None
    return f"browsable: {name}" if isinstance(name, str) else "browsable"


def _query(client: JiraClient, config: JiraConfig, cloud: bool, where: str) -> str:
    jql = scoped(config.label, config.jql)
    path = "/rest/api/2/search/jql" if cloud else "/rest/api/2/search"
    params = {"jql": jql, "maxResults": "1", "fields": "id"}
    data = client.get(path, params, what=f"{where} search", jql=jql).data
    issues = data.get("issues") if isinstance(data, Mapping) else None
    if not isinstance(issues, list):
        raise BadResponse(f"{where}: the search answer has no issues list")
    found = "matches issues" if issues else "matches no issue yet"
    return f"{jql!r} runs and {found}"
