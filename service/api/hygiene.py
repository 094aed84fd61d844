"""Request hygiene before routing: HEAD answered as GET, NUL bytes in the query refused.

RFC 9110 asks general-purpose servers for HEAD on every GET resource; FastAPI routes list
GET alone. A NUL byte is never a meaningful parameter value and PostgreSQL text cannot hold
one, so it is a 400 `bad_parameter` naming the parameter before any route sees it.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.errors import error_response


class HeadAsGetMiddleware:
    """Runs a HEAD request as a GET and drops the body of the answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


class NulQueryMiddleware:
    """Answers 400 when a query parameter's name or value holds a NUL byte."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = scope.get("query_string", b"").decode("latin-1")
            for name, value in parse_qsl(query, keep_blank_values=True, encoding="latin-1"):
                if "\x00" in name or "\x00" in value:
                    param = name.replace("\x00", "") or "query"
                    response = error_response(
                        400, "bad_parameter", "a NUL byte is not allowed here", param=param
                    )
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)
