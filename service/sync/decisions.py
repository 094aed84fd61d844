"""Why a wont_do item is not being done: the comment nearest the decision, within an hour.

No tracker links a resolution to a comment, so the rule is: the reason for a wont_do
decision is the non-blank comment closest in time to the moment the item became wont_do
(see `pending_decisions` for that moment), created within one hour either side of it;
on a tie, the earlier comment. The search ends once a reason is found, or once its
window has fully passed when searched; until then each sync searches again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from connectors.base import Comment, CommentWindow
from service.store.items import PendingDecision

REASON_WINDOW = timedelta(hours=1)


def window_of(pending: PendingDecision) -> CommentWindow:
    """Where the reason for this decision may be: one hour either side of it."""
    return CommentWindow(
        pending.ref, pending.decided_at - REASON_WINDOW, pending.decided_at + REASON_WINDOW
    )


def closest(comments: Iterable[Comment], decided_at: datetime) -> Comment | None:
    """The non-blank comment nearest `decided_at` within the window; ties go to the earlier."""
    inside = [
        comment
        for comment in comments
        if comment.body.strip() and abs(comment.at - decided_at) <= REASON_WINDOW
    ]
    return min(inside, key=lambda c: (abs(c.at - decided_at), c.at), default=None)


@dataclass(frozen=True)
class Outcome:
    """What one search settled: the reasons found, and every item whose search ended."""

    found: dict[str, Comment] = field(default_factory=dict)
    settled: list[str] = field(default_factory=list)


def settle(
    pending: Sequence[PendingDecision], comments: Iterable[Comment], now: datetime
) -> Outcome:
    """Match the fetched comments to their items: a reason found ends the search, and so
    does a window that had fully passed at `now` without one."""
    by_item: dict[str, list[Comment]] = {}
    for comment in comments:
        by_item.setdefault(comment.external_id, []).append(comment)
    outcome = Outcome()
    for item in pending:
        external_id = item.ref.external_id
        reason = closest(by_item.get(external_id, ()), item.decided_at)
        if reason is not None:
            outcome.found[external_id] = reason
        if reason is not None or now > item.decided_at + REASON_WINDOW:
            outcome.settled.append(external_id)
    return outcome
