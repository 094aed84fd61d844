"""Opaque items-list cursors: the first page's query (filters, sort, as_of) and a position.

A cursor is base64url JSON plus a checksum. It is not secret and grants nothing a direct
query could not; the checksum only turns a mangled or hand-edited cursor into a clear 400.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Collection
from datetime import datetime

from service.metrics.query import BadParameter, ItemQuery, build_item_query, item_query_params
from service.store.item_queries import JSONValue

PARAM = "cursor"
MAX_LENGTH = 4096
_KEY = b"followthrough items cursor v1"


def encode_cursor(query: ItemQuery, position: list[JSONValue]) -> str:
    payload = json.dumps(
        {"q": item_query_params(query), "p": position}, separators=(",", ":"), sort_keys=True
    ).encode()
    body = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    return f"{body}.{_digest(payload)}"


def decode_cursor(
    cursor: str, *, sources: Collection[str], now: datetime
) -> tuple[ItemQuery, list[object]]:
    """The pinned query and the position; BadParameter("cursor") when it is not ours."""
    body, _, digest = cursor.partition(".")
    if len(cursor) > MAX_LENGTH or not body or not digest:
        raise _malformed()
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise _malformed() from None
    if not hmac.compare_digest(digest, _digest(payload)):
        raise _malformed()
    try:
        data = json.loads(payload)
    except ValueError:
        raise _malformed() from None
    if not isinstance(data, dict):
        raise _malformed()
    params, position = data.get("q"), data.get("p")
    if (
        not isinstance(params, dict)
        or "as_of" not in params
        or not all(isinstance(v, str) for v in params.values())
        or not isinstance(position, list)
    ):
        raise _malformed()
    try:
        query = build_item_query(params, sources=sources, now=now)
    except TypeError:
        raise _malformed() from None
    except BadParameter as exc:
        raise BadParameter(PARAM, f"no longer valid: {exc}") from None
    return query, position


def _digest(payload: bytes) -> str:
    return hashlib.blake2b(payload, key=_KEY, digest_size=12).hexdigest()


def _malformed() -> BadParameter:
    return BadParameter(PARAM, "malformed cursor; send back next_cursor exactly as received")
