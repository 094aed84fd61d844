"""The one module that touches httpx: a POST-only client with timeouts and no redirects.

Everything else in the Linear connector sees `HttpReply` and `TransportFailure`, so
moving to httpx2 (ARCHITECTURE.md) changes this file only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

CONNECT_TIMEOUT_SECONDS = 10.0
READ_TIMEOUT_SECONDS = 30.0
USER_AGENT = "followthrough"


class TransportFailure(Exception):
    """No HTTP response arrived (timeout, refused or reset connection); the message names
    the kind of failure only, never the request's headers."""


@dataclass(frozen=True)
class HttpReply:
    """One HTTP response: status, lower-cased headers and the body as text."""

    status: int
    headers: Mapping[str, str]
    text: str


class HttpSession:
    """A kept-alive connection pool to one endpoint; redirects are never followed."""

    def __init__(self, url: str, authorization: str) -> None:
        self._url = url
        self._client = httpx.Client(
            headers={
                "Authorization": authorization,
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
            },
            timeout=httpx.Timeout(READ_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS),
            follow_redirects=False,
        )

    def post_json(self, payload: Mapping[str, Any]) -> HttpReply:
        """POST `payload` as JSON; raises TransportFailure when no response came."""
        try:
            response = self._client.post(self._url, json=dict(payload))
        except httpx.TimeoutException as exc:
            raise TransportFailure(f"timed out ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise TransportFailure(f"no response ({type(exc).__name__})") from None
        headers = {k.lower(): v for k, v in response.headers.items()}
        return HttpReply(response.status_code, headers, response.text)

    def close(self) -> None:
        self._client.close()
