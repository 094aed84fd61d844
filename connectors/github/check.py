"""`followthrough check` for a GitHub source: reach the API, sign in, list each scope once.

Each configured repo and org is asked for one labelled issue (`per_page=1`), the same
listing a sync reads, so a token that can see a repo but not its issues fails here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from connectors.base import CheckReport, Finding
from connectors.checks import AUTH, attempt, reach
from connectors.errors import BadResponse
from connectors.github.client import GitHubClient
from connectors.github.config import GitHubConfig


def check(config: GitHubConfig, client: GitHubClient) -> CheckReport:
    """Reachability, the token's login (`GET /user`), then each repo and org."""
    reached = reach(config.api_root)
    if not reached.ok:
        return CheckReport(None, [reached])
    login: list[str] = []

    def who() -> str:
        data = client.get("/user", what=f"GitHub at {config.api_root} (GET /user)").data
        name = data.get("login") if isinstance(data, Mapping) else None
        if not isinstance(name, str):
            raise BadResponse("GitHub GET /user: the answer names no login")
        login.append(name)
        return f"signed in as {name}"

    signed_in = attempt(AUTH, who)
    findings: list[Finding] = [reached, signed_in]
    if not signed_in.ok:
        return CheckReport(None, findings)
    label = config.label
    for repo in config.repos:
        listing = partial(
            _listed, client, f"/repos/{repo}/issues", {}, label, f"GitHub repo {repo}"
        )
        findings.append(attempt(f"repo {repo}", listing))
    for org in config.orgs:
        where, everything = f"/orgs/{org}/issues", {"filter": "all"}
        listing = partial(_listed, client, where, everything, label, f"GitHub org {org}")
        findings.append(attempt(f"org {org}", listing))
    return CheckReport(login[0], findings)


def _listed(
    client: GitHubClient, path: str, extra: Mapping[str, str], label: str, what: str
) -> str:
    """One page of one labelled issue: proves the token may list the scope's issues."""
    params = {**extra, "labels": label, "state": "all", "per_page": "1"}
    data = client.get(path, params, what=what).data
    if not isinstance(data, list):
        raise BadResponse(f"{what}: the issue listing is not a JSON list")
    if data:
        return f"issues readable; issues labelled {label!r} found"
    return f"issues readable; none labelled {label!r} yet"
