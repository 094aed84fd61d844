"""`followthrough check` for a Linear source: reach the endpoint, name the viewer, find
each team.

Each configured team is looked up by key (`teams(filter: {key: {eq: …}})`), which lists
nothing both when there is no such team and when the credential cannot see it; without
teams, one labelled issue is listed from the workspace.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from connectors.base import CheckReport, Finding
from connectors.checks import AUTH, attempt, reach
from connectors.errors import BadResponse, ConfigError
from connectors.linear.client import LinearClient, Operation
from connectors.linear.config import LinearConfig

WORKSPACE = "workspace"
VIEWER = Operation(
    "Viewer",
    """query Viewer {
  viewer { id name }
}""",
)


def check(config: LinearConfig, client: LinearClient) -> CheckReport:
    """Reachability, the viewer's name, then each team (or the workspace)."""
    where = f"Linear at {config.endpoint}"
    reached = reach(config.endpoint)
    if not reached.ok:
        return CheckReport(None, [reached])
    viewer: list[str] = []

    def who() -> str:
        data = client.query(VIEWER, {}, what=f"{where} (viewer)")
        me = data.get("viewer")
        name = me.get("name") if isinstance(me, Mapping) else None
        if not isinstance(name, str):
            raise BadResponse(f"{where}: the viewer has no name")
        viewer.append(name)
        return f"signed in as {name}"

    signed_in = attempt(AUTH, who)
    findings: list[Finding] = [reached, signed_in]
    if not signed_in.ok:
        return CheckReport(None, findings)
    for key in config.teams:
        findings.append(attempt(f"team {key}", partial(_team, client, key, where)))
    if not config.teams:
        findings.append(attempt(WORKSPACE, lambda: _workspace(client, config, where)))
    return CheckReport(viewer[0], findings)


def _team(client: LinearClient, key: str, where: str) -> str:
    if not client.team_exists(key, what=f"{where} team {key}"):
        raise ConfigError(f"{where}: no team with key {key!r}, or the credential cannot see it")
    return "visible"


def _workspace(client: LinearClient, config: LinearConfig, where: str) -> str:
    label_filter = {"labels": {"some": {"name": {"eqIgnoreCase": config.label}}}}
    page = client.issues(label_filter, first=1, after=None, what=f"{where} issues")
    found = "found" if page.nodes else "none yet"
    return f"issues readable; labelled {config.label!r}: {found}"
