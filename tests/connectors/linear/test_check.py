"""`LinearConnector.check`: reachability, the viewer's name, and each team by key (or the
workspace), against the fake Linear on loopback."""

from __future__ import annotations

from connectors.linear import LinearConnector
from connectors.testing.linear import OAUTH_TOKEN
from tests.connectors.fakes import FakeTime
from tests.connectors.linear.conftest import LABEL, T0, linear_config
from tests.support.ports import free_port


def findings(report):
    return {f.subject: (f.ok, f.detail) for f in report.findings}


def test_good_credentials_name_the_viewer_and_each_visible_team(fake, make_connector):
    report = make_connector(teams=["ENG", "OPS"]).check()

    assert report.ok, report.findings
    assert report.identity == "Followthrough Bot"
    found = findings(report)
    assert list(found) == ["reach", "auth", "team ENG", "team OPS"]
    assert found["auth"] == (True, "signed in as Followthrough Bot")
    assert found["team ENG"] == (True, "visible")


def test_an_oauth_token_signs_in_as_bearer(fake, make_connector):
    report = make_connector(token=OAUTH_TOKEN).check()

    assert report.ok
    assert fake.requests[-1].query["auth"] == "bearer"


def test_without_teams_the_workspace_listing_is_read(fake, make_connector):
    fake.create_issue("ENG", title="Add alert", labels=[LABEL])

    report = make_connector().check()

    assert findings(report)["workspace"] == (
        True,
        f"issues readable; labelled {LABEL!r}: found",
    )


def test_a_bad_key_fails_auth_naming_the_header_form_and_stops(fake, make_connector):
    report = make_connector(token="lin_api_revoked0000", teams=["ENG"]).check()

    assert not report.ok
    assert report.identity is None
    found = findings(report)
    assert list(found) == ["reach", "auth"]
    ok, detail = found["auth"]
    assert not ok
    assert "Linear rejected the personal API key" in detail
    assert "lin_api_revoked0000" not in detail


def test_a_team_the_credential_cannot_see_fails_naming_it(fake, url, make_connector):
    fake.unseen = {"OPS"}

    report = make_connector(teams=["ENG", "OPS"]).check()

    assert not report.ok
    found = findings(report)
    assert found["team ENG"][0] is True
    assert found["team OPS"] == (
        False,
        f"Linear at {url}: no team with key 'OPS', or the credential cannot see it",
    )


def test_a_refused_connection_is_reported_as_unreachable():
    port = free_port()
    time = FakeTime(T0)
    connector = LinearConnector(linear_config(f"http://127.0.0.1:{port}/graphql"), time.context())
    try:
        report = connector.check()
    finally:
        connector.close()

    assert [(f.subject, f.ok) for f in report.findings] == [("reach", False)]
    assert f"connection refused by 127.0.0.1:{port}" in report.findings[0].detail
    assert time.requests == []
