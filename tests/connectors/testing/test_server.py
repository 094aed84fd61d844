"""`serve` runs an ASGI app on a loopback port for real HTTP clients, and stops it after."""

from __future__ import annotations

import pytest
import requests
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def hello(_request) -> PlainTextResponse:
    return PlainTextResponse("hello")


APP = Starlette(routes=[Route("/", hello)])


def test_serve_yields_a_loopback_url_that_answers():
    from connectors.testing import serve

    with serve(APP) as url:
        assert url.startswith("http://127.0.0.1:")
        assert requests.get(url, timeout=5).text == "hello"


def test_the_port_is_closed_once_the_block_exits():
    from connectors.testing import serve

    with serve(APP) as url:
        pass

    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=5)
