"""`GitHubConnector.check`: reachability, the token's login, and read access per repo and org,
against the fake GitHub on loopback."""

from __future__ import annotations

import pytest

from connectors.github import GitHubConnector
from tests.connectors.fakes import FakeTime
from tests.connectors.github.conftest import LABEL, T0, github_config
from tests.support.ports import free_port


@pytest.fixture(params=["page"])
def link_style(request: pytest.FixtureRequest) -> str:
    """Checking reads one page of each listing: the link style does not matter here."""
    return str(request.param)


def findings(report):
    return {f.subject: (f.ok, f.detail) for f in report.findings}


def test_good_credentials_name_the_login_and_each_readable_repo(fake, make_connector):
    fake.create_issue("acme/api", title="Add alert", labels=(LABEL,))

    report = make_connector(repos=["acme/api", "acme/web"]).check()

    assert report.ok
    assert report.identity == "followthrough-bot"
    found = findings(report)
    assert list(found) == ["reach", "auth", "repo acme/api", "repo acme/web"]
    assert found["auth"] == (True, "signed in as followthrough-bot")
    assert found["repo acme/api"] == (True, f"issues readable; issues labelled {LABEL!r} found")
    assert found["repo acme/web"] == (True, f"issues readable; none labelled {LABEL!r} yet")


def test_an_org_is_checked_with_its_org_wide_listing(fake, make_connector):
    report = make_connector(repos=[], orgs=["acme"]).check()

    assert report.ok
    assert findings(report)["org acme"][0] is True
    assert fake.requests[-1].path == "/orgs/acme/issues"
    assert fake.requests[-1].query["filter"] == "all"


def test_a_bad_token_fails_auth_with_the_401_and_checks_nothing_further(fake, make_connector):
    fake.valid_tokens = {"the-right-one"}

    report = make_connector(token="s3cr3t-wrong").check()

    assert not report.ok
    assert report.identity is None
    found = findings(report)
    assert list(found) == ["reach", "auth"]
    ok, detail = found["auth"]
    assert not ok
    assert "credentials rejected (HTTP 401); check the token" in detail
    assert "s3cr3t-wrong" not in detail


def test_a_repo_the_token_cannot_see_fails_with_the_404_naming_it(fake, make_connector):
    fake.unseen = {"acme/web"}

    report = make_connector(repos=["acme/api", "acme/web"]).check()

    assert not report.ok
    assert report.identity == "followthrough-bot"
    found = findings(report)
    assert found["repo acme/api"][0] is True
    assert found["repo acme/web"] == (
        False,
        "GitHub repo acme/web: not found (HTTP 404), or the token cannot see it",
    )


def test_a_token_without_access_to_issues_fails_with_the_403(fake, make_connector):
    fake.fail_next(403, path_contains="/repos/acme/api/issues")

    report = make_connector().check()

    ok, detail = findings(report)["repo acme/api"]
    assert not ok
    assert "access denied (HTTP 403); check the token's scopes" in detail


def test_an_org_the_token_cannot_see_fails_naming_it(fake, make_connector):
    fake.unseen = {"acme"}

    report = make_connector(repos=[], orgs=["acme"]).check()

    ok, detail = findings(report)["org acme"]
    assert not ok
    assert detail.startswith("GitHub org acme: not found (HTTP 404)")


def test_a_refused_connection_is_reported_as_unreachable_without_signing_in():
    port = free_port()
    connector = GitHubConnector(github_config(f"http://127.0.0.1:{port}"), FakeTime(T0).context())
    try:
        report = connector.check()
    finally:
        connector.close()

    assert [(f.subject, f.ok) for f in report.findings] == [("reach", False)]
    assert report.findings[0].detail == (
        f"connection refused by 127.0.0.1:{port}: check the url and that the tracker is up"
    )


def test_an_unknown_host_is_reported_as_a_dns_failure():
    time = FakeTime(T0)
    connector = GitHubConnector(
        github_config("https://github.no-such-host.invalid"), time.context()
    )
    try:
        report = connector.check()
    finally:
        connector.close()

    assert not report.ok
    assert report.findings[0].detail.startswith(
        "cannot resolve host 'github.no-such-host.invalid' (DNS:"
    )
    assert time.requests == []
