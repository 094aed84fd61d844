"""Opaque list cursors: which list, the first page's parameters (filters, sort, as_of) and
a position to continue after.

A cursor is base64url JSON plus a checksum. It is not secret and grants nothing a direct
query could not; the checksum only turns a mangled or hand-edited cursor into a clear 400.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from service.metrics.query import BadParameter, ItemQuery, build_item_query, item_query_params
from service.store.item_queries import JSONValue

PARAM = "cursor"
ITEMS = "items"
MAX_LENGTH = 4096
_KEY = b"followthrough items cursor v1"
MAX_POSITION_INT = 2**31 - 1


def seal(kind: str, params: Mapping[str, str], position: Sequence[JSONValue]) -> str:
    """A cursor for list `kind` pinning `params` (which must hold `as_of`)."""
    payload = json.dumps(
        {"k": kind, "q": dict(params), "p": list(position)},
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    body = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    return f"{body}.{_digest(payload)}"


def unseal(kind: str, cursor: str) -> tuple[dict[str, str], list[object]]:
    """The pinned parameters and the position of a cursor `seal(kind, ...)` made;
    BadParameter("cursor") when it is not one."""
    body, _, digest = cursor.partition(".")
    if len(cursor) > MAX_LENGTH or not body or not digest:
        raise malformed()
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise malformed() from None
    if not hmac.compare_digest(digest, _digest(payload)):
        raise malformed()
    try:
        data = json.loads(payload)
    except ValueError:
        raise malformed() from None
    if not isinstance(data, dict) or data.get("k") != kind:
        raise malformed()
    params, position = data.get("q"), data.get("p")
    if (
        not isinstance(params, dict)
        or "as_of" not in params
        or not all(isinstance(v, str) for v in params.values())
        or not isinstance(position, list)
        or not _comparable([*params.values(), *position])
    ):
        raise malformed()
    return params, position


def _comparable(values: list[object]) -> bool:
    """Whether the database can compare every value: no NUL in a string (PostgreSQL text
    cannot hold one) and no integer past 32 bits (ids, counts and flags all fit)."""
    for value in values:
        if isinstance(value, str) and "\x00" in value:
            return False
        if isinstance(value, int) and abs(value) > MAX_POSITION_INT:
            return False
    return True


def pinned(
    kind: str, cursor: str | None, sent: Mapping[str, str]
) -> tuple[dict[str, str], list[object] | None]:
    """The parameters to answer with and the position to continue after: `sent` without a
    cursor, else the cursor's pinned parameters, which any parameter sent alongside must
    equal (both in canonical form)."""
    if cursor is None:
        return dict(sent), None
    held, position = unseal(kind, cursor)
    for name, value in sorted(sent.items()):
        if held.get(name) != value:
            raise BadParameter(name, "differs from the value the cursor pins")
    return held, position


def malformed() -> BadParameter:
    """The error for a cursor that is not one of ours."""
    return BadParameter(PARAM, "malformed cursor; send back next_cursor exactly as received")


def encode_cursor(query: ItemQuery, position: list[JSONValue]) -> str:
    """An items-list cursor."""
    return seal(ITEMS, item_query_params(query), position)


def decode_cursor(
    cursor: str, *, sources: Collection[str], now: datetime
) -> tuple[ItemQuery, list[object]]:
    """The pinned items query and the position; BadParameter("cursor") when it is not ours."""
    params, position = unseal(ITEMS, cursor)
    try:
        query = build_item_query(params, sources=sources, now=now)
    except TypeError:
        raise malformed() from None
    except BadParameter as exc:
        raise BadParameter(PARAM, f"no longer valid: {exc}") from None
    return query, position


def _digest(payload: bytes) -> str:
    return hashlib.blake2b(payload, key=_KEY, digest_size=12).hexdigest()
