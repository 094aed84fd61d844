"""The one module that touches httpx: a POST-only client with timeouts and no redirects.

Everything else in the Linear connector sees `HttpReply` and `TransportFailure`, so
moving to httpx2 (ARCHITECTURE.md) changes this file only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from connectors import bounded

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
            with self._client.stream("POST", self._url, json=dict(payload)) as response:
                body = _bounded_body(response)
        except httpx.TimeoutException as exc:
            raise TransportFailure(f"timed out ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise TransportFailure(f"no response ({type(exc).__name__})") from None
        headers = {k.lower(): v for k, v in response.headers.items()}
        return HttpReply(response.status_code, headers, body.decode(_charset(response), "replace"))

    def close(self) -> None:
        self._client.close()


def _bounded_body(response: httpx.Response) -> bytes:
    """The body, read up to `bounded.MAX_RESPONSE_BYTES`; raises ResponseTooLarge beyond."""
    limit = bounded.MAX_RESPONSE_BYTES
    declared = bounded.declared_length(response.headers)
    if declared is not None and declared > limit:
        raise bounded.too_large(response.status_code, declared, limit)
    chunks: list[bytes] = []
    read = 0
    for chunk in response.iter_bytes(bounded.CHUNK_BYTES):
        read += len(chunk)
        if read > limit:
            raise bounded.too_large(response.status_code, None, limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _charset(response: httpx.Response) -> str:
    return response.charset_encoding or "utf-8"
