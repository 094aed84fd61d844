"""The API docs page works offline: Swagger UI's assets come from the app itself, and a
browser signed in with HTTP Basic (as on the dashboard) can read the page and the document."""

from __future__ import annotations

import re

from tests.service.api.conftest import READ


def test_the_docs_page_loads_its_assets_from_the_app_not_a_cdn(client):
    page = client.get("/docs").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page) + re.findall(r"url: '([^']+)'", page)
    assert sources, "the page names no assets"
    assert all(not s.startswith(("http:", "https:", "//")) for s in sources), sources
    for asset in ("/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css"):
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert len(response.content) > 10_000, asset


def test_an_unknown_docs_asset_is_404(client):
    response = client.get("/docs/secrets.txt")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_browser_signed_in_with_basic_reads_the_docs_and_the_document(make_client):
    client = make_client(read_tokens=[READ])
    for path in ("/docs", "/docs/swagger-ui.css", "/openapi.json"):
        assert client.get(path, auth=("anyone", READ)).status_code == 200, path
        assert client.get(path, auth=("anyone", "guess")).status_code == 401, path
