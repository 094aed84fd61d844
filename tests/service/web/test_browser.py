"""The dashboard in a real browser: headless Chromium (Debian's `chromium` and
`chromium-driver`) loads the pages served from the demo data, signing in with HTTP Basic.

The cards must equal `/api/v1/metrics/summary`, the charts must be drawn with data points,
a filter applied through the form must change the numbers to the filtered summary, and the
browser must log no errors. Screenshots go to `test-artifacts/` at the repository root.
Without Chromium the test is skipped locally but fails under CI (`.ci/run` installs it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from connectors.registry import load_connectors
from connectors.testing.server import serve
from service.app import create_app
from service.cli import sync_sources
from service.clock import ManualClock
from service.config import ApiSettings
from service.db import make_engine
from service.demo import demo_settings, sample_trackers
from service.migrate import upgrade
from tests.conftest import NOW
from tests.service.web.cards import summary_cards

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
TOKEN = "dashboard-token"
SEED, ITEMS = 7, 150
WAIT_SECONDS = 10


def require_chromium() -> None:
    """Skip without Chromium locally; under CI (where .ci/run installs it) fail instead."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if not missing:
        return
    message = (
        f"the browser test needs {' and '.join(missing)} (apt-get install chromium chromium-driver)"
    )
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    require_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1650",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS * 3)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo's three sample trackers synced by the real connectors into a SQLite mirror,
    served with a read token configured; yields the base URL."""
    connectors = load_connectors()
    clock = ManualClock(NOW)
    with sample_trackers(seed=SEED, items=ITEMS, now=NOW) as entries:
        settings = demo_settings(tmp_path_factory.mktemp("demo"), entries, connectors)
        engine = make_engine(settings.database_url)
        upgrade(engine)
        outcomes = sync_sources(engine, connectors, settings.sources, clock)
    assert [(o.source, o.result.status) for o in outcomes] == [
        (entry["name"], "success") for entry in entries
    ]
    settings = settings.model_copy(update={"api": ApiSettings(read_tokens=[TOKEN])})
    app = create_app(settings, engine=engine, clock=clock, connectors=connectors)
    try:
        with serve(app) as url:
            yield url
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def api(dashboard: str) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=f"{dashboard}/api/v1", headers={"Authorization": f"Bearer {TOKEN}"}
    ) as client:
        yield client


def signed_in(base: str, path: str = "/") -> str:
    """The URL with Basic credentials (any user name, the token as password)."""
    return base.replace("http://", f"http://viewer:{TOKEN}@", 1) + path


def cards(driver: WebDriver) -> dict[str, str]:
    return {
        card.get_attribute("data-metric"): card.get_attribute("data-value")
        for card in driver.find_elements(By.CSS_SELECTOR, ".card[data-metric]")
    }


def points(driver: WebDriver, selector: str) -> list[int]:
    """The data values of the drawn shapes, each checked to have a size on screen."""
    shapes = driver.find_elements(By.CSS_SELECTOR, selector)
    for shape in shapes:
        assert shape.rect["width"] > 0 or shape.get_attribute("data-value") == "0"
    return [int(shape.get_attribute("data-value")) for shape in shapes]


def shoot(driver: WebDriver, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"dashboard-{name}.png"
    assert driver.save_screenshot(str(path))
    print(f"screenshot: {path}")
    return path


def severe(driver: WebDriver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_the_dashboard_in_chromium_matches_the_api(browser, dashboard, api):
    assert httpx.get(dashboard + "/").status_code == 401  # the token is required
    browser.get(signed_in(dashboard))
    assert browser.title.startswith("Overview")
    summary = api.get("/metrics/summary").raise_for_status().json()
    assert summary["active"] > 0
    assert cards(browser) == summary_cards(summary)
    shown = browser.find_element(By.CSS_SELECTOR, "#card-active .card-value").text
    assert shown == str(summary["active"])
    header = browser.find_element(By.CSS_SELECTOR, ".site-header")
    assert header.value_of_css_property("background-color") == "rgba(22, 36, 58, 1)"  # CSS came

    trend = api.get("/trends", params={"interval": "month"}).raise_for_status().json()["periods"]
    assert points(browser, "#chart-ages rect[data-value]") == list(summary["age_buckets"].values())
    assert points(browser, "#chart-open circle[data-value]") == [p["active_at_end"] for p in trend]
    created = points(browser, "#chart-flow rect[data-series='created']")
    assert created == [p["created"] for p in trend]
    assert sum(created) > 0
    assert points(browser, "#chart-owners rect[data-value]")
    shoot(browser, "overview")

    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused.get_attribute("class") == "skip-link"

    source = "jira"
    assert source in [s["name"] for s in api.get("/sources").json()["sources"]]
    Select(browser.find_element(By.ID, "f-source")).select_by_value(source)
    browser.find_element(By.CSS_SELECTOR, "form.filters button[type='submit']").click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda d: f"source={source}" in d.current_url)
    filtered = api.get("/metrics/summary", params={"source": source}).raise_for_status().json()
    assert filtered["active"] < summary["active"]
    assert cards(browser) == summary_cards(filtered)
    rows = browser.find_elements(By.CSS_SELECTOR, "#sources-table tbody tr[data-source]")
    assert [row.get_attribute("data-source") for row in rows] == [source]
    shoot(browser, "overview-filtered")

    browser.find_element(By.LINK_TEXT, "Items").click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda d: "/items" in d.current_url)
    listed = api.get("/items", params={"source": source}).raise_for_status().json()["items"]
    links = browser.find_elements(By.CSS_SELECTOR, "#items-table tbody th a")
    assert [a.get_attribute("href") for a in links] == [item["url"] for item in listed]
    shoot(browser, "items")

    for page in ("incidents", "review"):
        browser.get(signed_in(dashboard, f"/{page}"))
        assert browser.find_element(By.TAG_NAME, "h1").text
        shoot(browser, page)
    counts = {
        e.get_attribute("data-metric"): int(e.get_attribute("data-value"))
        for e in browser.find_elements(By.CSS_SELECTOR, "#review-counts [data-metric]")
    }
    packet = api.get("/review").raise_for_status().json()
    assert counts == {name: packet["counts"][name] for name in counts}

    assert severe(browser) == []
