"""The dashboard pages (`/`, `/items`, `/incidents`, `/review`) show exactly what the API
answers for the same filters: every section renders, filters narrow every section, a bad
filter is a 400 page naming it, and an empty mirror still renders."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from connectors.item import ItemState, ItemType
from tests.conftest import NOW
from tests.service.web.cards import CARDS, summary_cards
from tests.service.web.markup import Page
from tests.support.readside import Mirror, item

SYNC = NOW - timedelta(hours=1)
EARLIER = NOW - timedelta(days=50)
PAGES = ("/", "/items", "/incidents", "/review")


@pytest.fixture
def populated(mirror: Mirror, other: Mirror) -> None:
    """Two sources; incidents all closed (INC-4), none closed (INC-3) and mixed; owners
    with overdue and stale items; items closed in an earlier month for the trends."""
    day = timedelta(days=1)
    opened = [
        item(
            1,
            incident="INC-1",
            owners=("priya",),
            type=ItemType.DETECTION,
            title="Add alert on queue depth for payments-worker",
            created_at=NOW - 100 * day,
            updated_at=NOW - 40 * day,
            due_date=NOW.date() - 5 * day,
        ),
        item(
            2,
            incident="INC-1",
            owners=("bo",),
            type=ItemType.PREVENTION,
            created_at=NOW - 60 * day,
            due_date=NOW.date() - 20 * day,
        ),
        item(
            3,
            incident="INC-2",
            owners=("bo",),
            state=ItemState.BLOCKED,
            created_at=NOW - 20 * day,
            due_date=NOW.date() + 10 * day,
        ),
        item(4, incident="INC-2", state=ItemState.OPEN, created_at=NOW - 70 * day),
        item(5, owners=("bo", "priya"), type=ItemType.MITIGATION, created_at=NOW - 3 * day),
        item(6, incident="INC-3", state=ItemState.IN_PROGRESS, created_at=NOW - 40 * day),
    ]
    mirror.put(*opened, at=EARLIER)
    mirror.put(
        item(
            2,
            incident="INC-1",
            owners=("bo",),
            type=ItemType.PREVENTION,
            state=ItemState.DONE,
            created_at=NOW - 60 * day,
            resolved_at=SYNC,
            due_date=NOW.date() - 20 * day,
        ),
        item(4, incident="INC-2", state=ItemState.WONT_DO, created_at=NOW - 70 * day),
        at=SYNC,
    )
    other.put(
        item(
            7,
            incident="INC-2",
            owners=("cy",),
            due_date=NOW.date() - 1 * day,
            title="Add alert on queue depth for billing-worker",
            created_at=NOW - 10 * day,
        ),
        item(
            8,
            incident="INC-4",
            state=ItemState.DONE,
            type=ItemType.PROCESS,
            created_at=NOW - 30 * day,
            resolved_at=SYNC,
        ),
        at=SYNC,
    )


def get_page(client: TestClient, path: str, **params: str) -> Page:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return Page(response.text)


def api(client: TestClient, path: str, **params: str) -> dict:
    response = client.get(f"/api/v1{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def shown_cards(page: Page) -> dict[str, str]:
    return {card["data-metric"]: card["data-value"] for card in page.select(cls="card")}


def values(page: Page, chart: str, tag: str, **attrs: str) -> list[int]:
    return [int(e["data-value"]) for e in page.select(tag, within=chart, **attrs)]


def row_keys(page: Page, table: str, attribute: str) -> list[str]:
    return [row[attribute] for row in page.select("tr", within=table) if attribute in row.attrs]


def test_overview_cards_equal_the_summary(client, populated):
    page = get_page(client, "/")
    summary = api(client, "/metrics/summary")
    assert summary["active"] == 5
    assert summary["overdue"] == 2
    assert shown_cards(page) == summary_cards(summary)
    assert page.one(within="card-active", cls="card-value").text == str(summary["active"])
    assert page.one(within="card-overdue", cls="card-value").text == str(summary["overdue"])
    assert summary["oldest"]["key"] in page.one(id="card-oldest").text


def test_overview_charts_draw_the_api_numbers(client, populated):
    page = get_page(client, "/")
    summary = api(client, "/metrics/summary")
    trend = api(client, "/trends", interval="month")["periods"]
    assert values(page, "chart-ages", "rect") == list(summary["age_buckets"].values())
    assert values(page, "chart-open", "circle") == [p["active_at_end"] for p in trend]
    for series in ("created", "done", "wont_do"):
        drawn = values(page, "chart-flow", "rect", data_series=series)
        assert drawn == [p[series] for p in trend]
    assert sum(values(page, "chart-flow", "rect", data_series="done")) == 2
    overdue = [o for o in api(client, "/owners")["owners"] if o["overdue"]]
    by_overdue = sorted(overdue, key=lambda o: (-o["overdue"], o["owner"]))
    assert [
        (r["data-category"], int(r["data-value"]))
        for r in page.select("rect", within="chart-owners")
    ] == [(o["owner"], o["overdue"]) for o in by_overdue]
    for svg in page.select("svg"):
        assert svg["role"] == "img"
        assert svg["aria-labelledby"]
        assert page.select("title", within=svg["id"])


def test_overview_tables_list_owners_incidents_and_sources(client, populated):
    page = get_page(client, "/")
    owners = api(client, "/owners")["owners"]
    shown = [row.text.split()[0] for row in page.select("tr", within="owners-table")[1:]]
    assert shown == [o["owner"] for o in owners]
    incidents = api(client, "/incidents")["incidents"]
    counts = [int(e["data-value"]) for e in page.select("strong", within="incident-counts")]
    assert counts == [
        len(incidents),
        sum(i["all_closed"] for i in incidents),
        sum(i["none_closed"] for i in incidents),
        sum("detection" in i["missing_types"] for i in incidents),
    ]
    assert row_keys(page, "top-incidents", "data-ref") == [
        i["ref"] for i in incidents if i["active"]
    ]
    sources = api(client, "/sources")["sources"]
    assert row_keys(page, "sources-table", "data-source") == [s["name"] for s in sources]
    statuses = [row.text for row in page.select("span", within="sources-table", cls="pill")]
    assert statuses == [s["status"].replace("_", " ") for s in sources]


@pytest.mark.parametrize(
    "filters",
    [{"source": "other"}, {"owner": "BO"}, {"incident": "INC-2"}, {"type": "none"}],
    ids=lambda f: "-".join(f.items().__iter__().__next__()),
)
def test_a_filter_narrows_every_section(client, populated, filters):
    page = get_page(client, "/", **filters)
    summary = api(client, "/metrics/summary", **filters)
    assert summary["active"] < api(client, "/metrics/summary")["active"]
    assert shown_cards(page) == summary_cards(summary)
    owners = api(client, "/owners", **filters)["owners"]
    shown = [row.text.split()[0] for row in page.select("tr", within="owners-table")[1:]]
    assert shown == ([o["owner"] for o in owners] or ["No"])
    trend_filters = {k: v for k, v in filters.items() if k != "owner"}
    trend = api(client, "/trends", interval="month", **trend_filters)["periods"]
    assert values(page, "chart-open", "circle") == [p["active_at_end"] for p in trend]
    sources = [s["name"] for s in api(client, "/sources")["sources"]]
    expected = [filters["source"]] if "source" in filters else sources
    assert row_keys(page, "sources-table", "data-source") == expected
    for link in page.select("a", within="top-incidents"):
        assert all(f"{k}={v}" in link["href"] for k, v in filters.items())
    form = {e["name"]: e for e in page.select("input") + page.select("select") if "name" in e.attrs}
    for name, value in filters.items():
        if form[name].tag == "input":
            assert form[name]["value"] == value
        else:
            assert page.one("option", within=form[name]["id"], value=value)["selected"] == ""


def test_the_owner_filter_says_trends_ignore_it(client, populated):
    assert "Trends ignore the owner filter" in client.get("/", params={"owner": "bo"}).text
    assert "Trends ignore the owner filter" not in client.get("/").text


def test_weekly_trends_on_request(client, populated):
    page = get_page(client, "/", interval="week")
    trend = api(client, "/trends", interval="week")["periods"]
    assert values(page, "chart-open", "circle") == [p["active_at_end"] for p in trend]
    assert page.one("option", value="week")["selected"] == ""


def test_the_items_page_lists_the_api_items_linked_to_their_tracker(client, populated):
    params = {"source": "demo", "state": "all", "sort": "due"}
    page = get_page(client, "/items", **params)
    listed = api(client, "/items", **params)["items"]
    assert len(listed) == 6
    assert [int(i) for i in row_keys(page, "items-table", "data-item-id")] == [
        i["id"] for i in listed
    ]
    links = [a["href"] for a in page.select("a", within="items-table")]
    assert links == [i["url"] for i in listed]


ITEM_OPTIONS = [
    {"overdue": "true"},
    {"stale": "true"},
    {"state": "closed"},
    {"owner": "priya"},
    {"flag": "unowned"},
    {"key": "ACT-3", "state": "all"},
]


def test_item_options_filter_like_the_api(client, populated):
    everything = row_keys(get_page(client, "/items", state="all"), "items-table", "data-item-id")
    for options in ITEM_OPTIONS:
        page = get_page(client, "/items", **options)
        listed = [str(i["id"]) for i in api(client, "/items", **options)["items"]]
        assert listed, options
        assert len(listed) < len(everything)
        assert row_keys(page, "items-table", "data-item-id") == listed


def test_the_items_page_pages_through_a_long_list(client, mirror):
    mirror.put(*(item(n, created_at=SYNC - timedelta(hours=n)) for n in range(1, 106)), at=SYNC)
    first = get_page(client, "/items", sort="age")
    ids = row_keys(first, "items-table", "data-item-id")
    assert len(ids) == 100
    following = first.one("a", rel="next")["href"]
    assert following.startswith("/items?")
    assert "cursor=" in following
    assert "sort=age" in following
    rest = row_keys(Page(client.get(following).text), "items-table", "data-item-id")
    every = [str(i["id"]) for i in api(client, "/items", sort="age", limit="500")["items"]]
    assert ids + rest == every


def test_the_incidents_page_lists_the_api_incidents(client, populated):
    page = get_page(client, "/incidents")
    incidents = api(client, "/incidents")["incidents"]
    assert row_keys(page, "incidents-table", "data-ref") == [i["ref"] for i in incidents]
    for flag in ("all_closed", "none_closed"):
        chosen = get_page(client, "/incidents", status=flag)
        expected = api(client, "/incidents", **{flag: "true"})["incidents"]
        assert expected
        assert row_keys(chosen, "incidents-table", "data-ref") == [i["ref"] for i in expected]
    missing = get_page(client, "/incidents", status="missing_detection")
    assert row_keys(missing, "incidents-table", "data-ref") == [
        i["ref"] for i in incidents if "detection" in i["missing_types"]
    ]


def test_the_review_page_shows_the_packet(client, populated):
    page = get_page(client, "/review")
    packet = api(client, "/review")
    shown = {
        e["data-metric"]: int(e["data-value"])
        for e in page.select(within="review-counts", data_metric=True)
    }
    assert shown == {name: packet["counts"][name] for name in shown}
    assert len(shown) >= 10
    for section in ("overdue", "blocked", "stale", "hygiene"):
        ids = [int(i) for i in row_keys(page, f"review-{section}", "data-item-id")]
        assert ids == [i["id"] for i in packet[section]], section
    assert packet["overdue"]
    assert packet["hygiene"]
    for section, table in (
        ("incidents_none_closed", "review-none-closed"),
        ("incidents_missing_detection", "review-missing-detection"),
        ("incidents_all_closed", "review-all-closed"),
    ):
        assert row_keys(page, table, "data-ref") == [i["ref"] for i in packet[section]]
    themes = [e["data-theme"] for e in page.select("li", within="review-themes", data_theme=True)]
    assert themes == [t["label"] for t in packet["themes"]]
    assert themes  # the queue-depth alerts of INC-1 and INC-2
    flags = {
        f["code"].replace("_", " ")
        for i in packet["hygiene"]
        for f in i["flags"]
        if f["code"] != "stale"
    }
    assert flags <= {e.text for e in page.select("span", within="review-hygiene", cls="flag")}


def test_the_review_page_takes_since(client, populated):
    since = (NOW - timedelta(days=60)).date().isoformat()
    page = get_page(client, "/review", since=since)
    packet = api(client, "/review", since=since)
    created = page.one(within="review-counts", data_metric="created")
    assert int(created["data-value"]) == packet["counts"]["created"] > 0


def test_filters_apply_to_the_review_and_incident_pages(client, populated):
    review = get_page(client, "/review", source="other")
    packet = api(client, "/review", source="other")
    shown = {
        e["data-metric"]: int(e["data-value"])
        for e in review.select(within="review-counts", data_metric=True)
    }
    assert shown["active"] == packet["counts"]["active"] == 1
    incidents = get_page(client, "/incidents", source="other")
    assert row_keys(incidents, "incidents-table", "data-ref") == [
        i["ref"] for i in api(client, "/incidents", source="other")["incidents"]
    ]


BAD_PARAMETERS = [
    ("/", {"source": "nope"}, "source"),
    ("/", {"type": "bug"}, "type"),
    ("/", {"as_of": "yesterday"}, "as_of"),
    ("/", {"interval": "year"}, "interval"),
    ("/items", {"state": "gone"}, "state"),
    ("/items", {"sort": "title"}, "sort"),
    ("/items", {"cursor": "garbage"}, "cursor"),
    ("/incidents", {"status": "burning"}, "status"),
    ("/review", {"since": "2999-01-01"}, "since"),
    ("/review", {"owner": "bo", "source": "elsewhere"}, "source"),
]


def test_a_bad_parameter_is_a_400_page_naming_it(client):
    for path, params, param in BAD_PARAMETERS:
        response = client.get(path, params=params)
        assert response.status_code == 400, (path, params)
        assert response.headers["content-type"].startswith("text/html")
        error = Page(response.text).one(cls="error")
        assert error["data-param"] == param
        assert f"The parameter {param} is not valid" in error.text


def test_blank_form_fields_mean_no_filter(client, populated):
    blank = {"source": "", "owner": " ", "incident": "", "type": "", "as_of": "", "interval": ""}
    assert shown_cards(get_page(client, "/", **blank)) == shown_cards(get_page(client, "/"))
    items = get_page(client, "/items", **blank, state="", sort="")
    assert len(row_keys(items, "items-table", "data-item-id")) == 5


def test_as_of_moves_every_number_to_that_instant(client, populated):
    as_of = (NOW - timedelta(days=30)).date().isoformat()
    page = get_page(client, "/", as_of=as_of)
    summary = api(client, "/metrics/summary", as_of=as_of)
    assert shown_cards(page) == summary_cards(summary)
    assert summary["active"] != api(client, "/metrics/summary")["active"]


def test_an_empty_mirror_renders_every_page(client):
    for path in PAGES:
        assert get_page(client, path).one("html")["lang"] == "en"
    page = get_page(client, "/")
    assert shown_cards(page) == dict.fromkeys(CARDS, "0") | {
        "oldest": "",
        "completion_rate": "",
        "on_time_rate": "",
    }
    assert values(page, "chart-ages", "rect") == [0, 0, 0, 0]
    assert values(page, "chart-open", "circle") == [0] * 12
    assert "Nothing is overdue." in page.one(id="chart-owners-empty").text
    assert Page(client.get("/items").text).one("td", cls="empty").text == "No items."


def test_every_page_is_accessible_by_structure(client, populated):
    for path in PAGES:
        assert_accessible(get_page(client, path), path)


def assert_accessible(page: Page, path: str) -> None:
    """Skip link, labelled controls, scoped headers, the current page marked."""
    assert page.one("a", cls="skip-link")["href"] == "#main"
    assert page.one("main")["id"] == "main"
    labelled = {label["for"] for label in page.select("label")}
    controls = page.select("input") + page.select("select")
    assert controls
    assert all(c["id"] in labelled for c in controls if c.attrs.get("type") != "hidden")
    headers = page.select("th")
    assert headers
    assert all(th.attrs.get("scope") in ("col", "row") for th in headers)
    assert page.one("a", aria_current="page")["href"].startswith(path)


def test_pages_ask_a_browser_for_basic_credentials(make_client, populated):
    client = make_client(read_tokens=["read-token"], admin_tokens=["admin-token"])
    for path in (*PAGES, "/static/dashboard.css"):
        refused = client.get(path)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith('Basic realm="followthrough"')
    basic = base64.b64encode(b"anyone:read-token").decode()
    assert client.get("/", headers={"Authorization": f"Basic {basic}"}).status_code == 200
    assert client.get("/", headers={"Authorization": "Bearer admin-token"}).status_code == 200
    wrong = base64.b64encode(b"anyone:guess").decode()
    assert client.get("/", headers={"Authorization": f"Basic {wrong}"}).status_code == 401


def test_the_stylesheet_ships_with_the_package(client):
    response = client.get("/static/dashboard.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert ":focus-visible" in response.text


def test_pages_stay_out_of_the_api_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert not {"/", "/items", "/incidents", "/review", "/static/dashboard.css"} & set(paths)
