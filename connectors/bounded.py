"""The size cap on tracker answers: a body larger than any real page is refused while it
is read, so a broken or hostile server cannot make a sync hold it in memory.

The largest real page is about 100 issues with long descriptions (GitHub allows 65,536
characters of body per issue, Jira and Linear similar): a few MiB. 32 MiB leaves room for
that and for id-only reconciliation pages of 5,000 ids, and stays bounded.
"""

from __future__ import annotations

from typing import Any

import requests

from connectors.errors import ResponseTooLarge

MAX_RESPONSE_BYTES = 32 * 1024 * 1024
CHUNK_BYTES = 64 * 1024


def too_large(status: int, size: int | None, limit: int) -> ResponseTooLarge:
    """The error for an answer (HTTP `status`) over `limit` bytes."""
    shown = f"{size} bytes" if size is not None else "more"
    return ResponseTooLarge(
        f"HTTP {status} answer of {shown}, over the {limit // (1024 * 1024)} MiB cap "
        "on one response; refused",
        status=status,
    )


def declared_length(headers: Any) -> int | None:
    """The Content-Length a response declares, when it is a number."""
    value = headers.get("content-length")
    return int(value) if isinstance(value, str) and value.strip().isdigit() else None


def cap_requests_body(response: requests.Response, *args: object, **kwargs: object) -> None:
    """A `requests` response hook: read the body now, at most `MAX_RESPONSE_BYTES` of it.

    Hooks run before `requests` reads the content, so an oversized body is never held
    whole; the connection is closed and `ResponseTooLarge` raised instead.
    """
    limit = MAX_RESPONSE_BYTES
    declared = declared_length(response.headers)
    if declared is not None and declared > limit:
        response.close()
        raise too_large(response.status_code, declared, limit)
    chunks: list[bytes] = []
    read = 0
    for chunk in response.iter_content(CHUNK_BYTES):
        read += len(chunk)
        if read > limit:
            response.close()
            raise too_large(response.status_code, None, limit)
        chunks.append(chunk)
    response._content = b"".join(chunks)
    response._content_consumed = True
