"""Issue comments as `Comment`s: the ones created inside a window, body as plain text.

GitHub's `since` filters on a comment's last update, so the listing also brings comments
created before the window and edited later; only creation time decides membership.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from connectors.base import Comment, CommentWindow
from connectors.extract import parse_timestamp


def comments_in(window: CommentWindow, raw: Sequence[Any]) -> Iterator[Comment]:
    """The listed comments created within [start, end]; unreadable entries are skipped."""
    for entry in raw:
        if not isinstance(entry, Mapping):
            continue
        created = entry.get("created_at")
        try:
            at = parse_timestamp(created) if isinstance(created, str) else None
        except ValueError:
            at = None
        if at is None or not window.start <= at <= window.end:
            continue
        body = entry.get("body")
        user = entry.get("user")
        login = user.get("login") if isinstance(user, Mapping) else None
        yield Comment(
            external_id=window.item.external_id,
            at=at,
            author=login if isinstance(login, str) else None,
            body=body if isinstance(body, str) else "",
        )
