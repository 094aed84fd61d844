"""`JiraConnector.check`: reachability, the flavour, `/myself`, each project the config
names, and the source's query, against the fake Jira (Cloud and Data Center) on loopback."""

from __future__ import annotations

import pytest

from connectors.jira import JiraConnector
from connectors.jira.check import project_keys
from connectors.jira.config import JiraConfig
from tests.connectors.fakes import FakeTime
from tests.connectors.jira.conftest import LABEL, T0, jira_config, labelled
from tests.support.ports import free_port


def findings(report):
    return {f.subject: (f.ok, f.detail) for f in report.findings}


@pytest.fixture
def projects(fake):
    labelled(fake, 2, "OPS")
    labelled(fake, 1, "PLAT")
    fake.create_issue("INC", "Outage", status="Done")


def test_good_credentials_name_the_user_and_each_browsable_project(fake, make_connector, projects):
    report = make_connector(jql="project in (OPS, PLAT)", incident_project="INC").check()

    assert report.ok, report.findings
    handle = "5b10:followthrough.bot" if fake.cloud else "followthrough.bot"
    found = findings(report)
    assert list(found) == [
        "reach",
        "site",
        "auth",
        "project OPS",
        "project PLAT",
        "project INC",
        "query",
    ]
    assert found["auth"] == (True, f"signed in as Followthrough Bot ({handle})")
    assert report.identity == f"Followthrough Bot ({handle})"
    assert found["site"][1].startswith("Jira Cloud" if fake.cloud else "Jira Data Center")
    assert found["project OPS"] == (True, "browsable: Ops project")


def test_the_query_runs_once_and_says_whether_it_matches(fake, make_connector, projects):
    report = make_connector(jql="project = PLAT").check()

    ok, detail = findings(report)["query"]
    assert ok
    assert detail == f"'labels = \"{LABEL}\" AND (project = PLAT)' runs and matches issues"


def test_a_jql_jira_refuses_fails_the_query_naming_it(fake, make_connector, projects):
    report = make_connector(jql="project ~ OPS").check()

    ok, detail = findings(report)["query"]
    assert not ok
    assert "Jira refused the query" in detail
    assert "check the jql" in detail


def test_a_bad_token_fails_auth_naming_the_credential_and_stops(fake, url):
    time = FakeTime(T0)
    connector = JiraConnector(jira_config(fake, url, token="st4le-t0ken"), time.context())
    try:
        report = connector.check()
    finally:
        connector.close()

    found = findings(report)
    assert list(found) == ["reach", "site", "auth"]
    ok, detail = found["auth"]
    assert not ok
    credential = "the email and API token" if fake.cloud else "the personal access token"
    assert f"credentials rejected (HTTP 401); check {credential}" in detail
    assert "st4le-t0ken" not in detail
    assert report.identity is None


def test_without_an_email_cloud_fails_auth_saying_to_set_it_and_dc_signs_in(fake, url):
    connector = JiraConnector(
        JiraConfig.model_validate({"name": "j", "url": url, "token": fake.token}),
        FakeTime(T0).context(),
    )
    try:
        report = connector.check()
    finally:
        connector.close()

    ok, detail = findings(report)["auth"]
    if fake.cloud:
        assert not ok
        assert "is Jira Cloud: set `email` (the API token's account)" in detail
    else:
        assert (ok, detail) == (True, "signed in as Followthrough Bot (followthrough.bot)")


def test_a_project_the_user_cannot_browse_fails_naming_it(fake, url, make_connector, projects):
    fake.unseen = {"PLAT"}

    report = make_connector(jql="project in (OPS, PLAT)").check()

    assert not report.ok
    found = findings(report)
    assert found["project OPS"][0] is True
    assert found["project PLAT"] == (
        False,
        f"Jira site {url}: no project PLAT, or the API user lacks Browse Projects on it (HTTP 404)",
    )


def test_a_missing_type_field_fails_naming_it(url, make_connector, projects):
    report = make_connector(type_field="Remediation Kind").check()

    assert findings(report)["type_field"] == (
        False,
        f"Jira site {url}: no field named 'Remediation Kind' (type_field)",
    )


def test_a_refused_connection_is_reported_as_unreachable(flavour):
    port = free_port()
    config = JiraConfig.model_validate(
        {"name": "j", "url": f"http://127.0.0.1:{port}", "token": "t", "email": "a@b.c"}
    )
    connector = JiraConnector(config, FakeTime(T0).context())
    try:
        report = connector.check()
    finally:
        connector.close()

    assert [(f.subject, f.ok) for f in report.findings] == [("reach", False)]
    assert f"connection refused by 127.0.0.1:{port}" in report.findings[0].detail


@pytest.mark.parametrize(
    ("jql", "incident_project", "expected"),
    [
        (None, None, []),
        ("project = OPS", None, ["OPS"]),
        ('project in (OPS, "PLAT") AND type = Task', "INC", ["OPS", "PLAT", "INC"]),
        ("PROJECT IN (ops,plat) OR project = OPS", None, ["OPS", "PLAT"]),
        ("labels = x", "INC", ["INC"]),
    ],
)
def test_project_keys_come_from_the_jql_and_the_incident_project(jql, incident_project, expected):
    config = JiraConfig.model_validate(
        {
            "name": "j",
            "url": "https://x.example",
            "token": "t",
            "jql": jql,
            "incident_project": incident_project,
        }
    )
    assert project_keys(config) == expected


def test_a_configured_type_field_is_found_by_name(make_connector, projects):
    report = make_connector(type_field="action type").check()

    assert findings(report)["type_field"] == (True, "field 'action type' is customfield_10050")
