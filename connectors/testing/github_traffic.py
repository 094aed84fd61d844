"""The fake's traffic controls: auth, queued faults, the rate limit and the request log.

`FakeGitHub`, `FakeJira` and `FakeLinear` inherit them; each HTTP layer consults them on
every request and hands a taken fault to `connectors.testing.faults` to shape the answer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from connectors.testing.faults import Answer, FaultAction

RATE_WINDOW_SECONDS = 3600


class RecordedRequest(NamedTuple):
    """One request the fake answered, for asserting request counts and conditional use."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    if_none_match: str | None
    at: datetime | None = None
    """When it was answered, on the clock `Traffic.stamp` names (None when unset)."""


@dataclass
class Fault:
    """A queued failure: the next `times` requests whose path+query contains `path_contains`,
    after letting `skip` matching requests through.

    `action` says what happens instead of the normal answer (see `FaultAction`); `status`,
    `headers` and `body` are the injected answer for `ANSWER`, `seconds` the stall for
    `STALL`, and `replay` the earlier answer a `REPLAY` fault serves again.
    """

    status: int
    times: int
    headers: dict[str, str]
    body: str | None
    path_contains: str | None
    action: FaultAction = FaultAction.ANSWER
    skip: int = 0
    seconds: float = 0.0
    replay: Answer | None = None

    def matches(self, target: str) -> bool:
        return self.path_contains is None or self.path_contains in target


class RateLimit:
    """GitHub's primary (core) limit: `limit` requests per hour window of the fake's clock."""

    def __init__(self, limit: int = 5000) -> None:
        self.limit = limit
        self.used = 0
        self.reset_at: int | None = None

    def _roll(self, now: datetime) -> int:
        epoch = int(now.timestamp())
        if self.reset_at is None or epoch >= self.reset_at:
            self.reset_at = epoch + RATE_WINDOW_SECONDS
            self.used = 0
        return self.reset_at

    def exhausted(self, now: datetime) -> bool:
        self._roll(now)
        return self.used >= self.limit

    def headers(self, now: datetime, *, charge: bool) -> dict[str, str]:
        """The `x-ratelimit-*` headers, after counting this response when `charge` is set."""
        reset_at = self._roll(now)
        if charge and self.used < self.limit:
            self.used += 1
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.limit - self.used),
            "x-ratelimit-used": str(self.used),
            "x-ratelimit-reset": str(reset_at),
            "x-ratelimit-resource": "core",
        }


class Traffic:
    """Who may call, what fails next, and what was asked: shared by the model and its app."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.valid_tokens: set[str] | None = None
        self.on_list_page: Callable[[int], None] | None = None
        self.requests: list[RecordedRequest] = []
        self.rate_limit = RateLimit()
        self.unseen: set[str] = set()
        """Scopes (repo `owner/name`, org, Jira project key, Linear team key) the caller's
        credential may not see: the fake answers for them as the tracker does for a scope
        outside a token's access (see `can_see`)."""
        self.stamp: Callable[[], datetime] | None = None
        """A clock (the service's, in runner tests) stamped on every recorded request."""
        self._faults: list[Fault] = []

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        headers: Mapping[str, str] | None = None,
        body: str | None = None,
        path_contains: str | None = None,
        skip: int = 0,
    ) -> None:
        """Answer the next `times` matching requests with `status` (and `body` verbatim)."""
        self.inject(
            Fault(
                status,
                times,
                {k.lower(): v for k, v in (headers or {}).items()},
                body,
                path_contains,
                skip=skip,
            )
        )

    def stall_next(
        self, seconds: float, *, times: int = 1, path_contains: str | None = None, skip: int = 0
    ) -> None:
        """Hold the next `times` matching answers back for `seconds` of real time, so a
        client with a shorter timeout gives up on them."""
        self.inject(Fault(0, times, {}, None, path_contains, FaultAction.STALL, skip, seconds))

    def reset_next(
        self, *, times: int = 1, path_contains: str | None = None, skip: int = 0
    ) -> None:
        """Close the connection of the next `times` matching requests without answering."""
        self.inject(Fault(0, times, {}, None, path_contains, FaultAction.RESET, skip))

    def truncate_next(
        self, *, times: int = 1, path_contains: str | None = None, skip: int = 0
    ) -> None:
        """Answer the next `times` matching requests normally but with the body cut in half
        (a well-formed HTTP response carrying incomplete JSON)."""
        self.inject(Fault(0, times, {}, None, path_contains, FaultAction.TRUNCATE, skip))

    def replay_next(self, *, times: int = 1, path_contains: str | None = None) -> None:
        """Answer the next `times` matching requests after the first with the first one's
        answer again: the page token, cursor or `Link` it carries repeats."""
        self.inject(Fault(0, times, {}, None, path_contains, FaultAction.REPLAY))

    def inject(self, fault: Fault) -> None:
        """Queue any fault; matching faults apply in the order they were queued."""
        with self.lock:
            self._faults.append(fault)

    def take_fault(self, target: str) -> Fault | None:
        """The first queued fault matching a request's path and query, used up by one.

        A fault still skipping lets this request through (counting it); a replay fault
        with nothing recorded yet waits for `remember` to give it an answer.
        """
        with self.lock:
            for fault in self._faults:
                if not fault.matches(target):
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    return None
                if fault.action is FaultAction.REPLAY and fault.replay is None:
                    return None
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
            return None

    def remember(self, target: str, answer: Answer) -> None:
        """Give a waiting replay fault matching `target` the normal answer it will repeat."""
        with self.lock:
            for fault in self._faults:
                if (
                    fault.action is FaultAction.REPLAY
                    and fault.replay is None
                    and fault.matches(target)
                ):
                    fault.replay = answer
                    return

    def faults_pending(self) -> int:
        """How many queued faults have not been used up (a test's injection was reached)."""
        with self.lock:
            return len(self._faults)

    def can_see(self, scope: str) -> bool:
        """Whether the caller may see `scope` (case-insensitive; a repo is hidden with its
        owner too)."""
        hidden = {name.casefold() for name in self.unseen}
        return scope.casefold() not in hidden and scope.partition("/")[0].casefold() not in hidden

    def accepts(self, authorization: str | None) -> bool:
        """Whether an `Authorization` header (`token X` or `Bearer X`) is accepted."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() not in ("token", "bearer") or not token.strip():
            return False
        return self.valid_tokens is None or token.strip() in self.valid_tokens

    def record(
        self, method: str, path: str, query: dict[str, str], status: int, if_none_match: str | None
    ) -> None:
        with self.lock:
            at = self.stamp() if self.stamp is not None else None
            self.requests.append(RecordedRequest(method, path, query, status, if_none_match, at))

    def request_count(self, path_prefix: str | None = None) -> int:
        """How many requests were answered (whose path starts with `path_prefix`)."""
        with self.lock:
            return sum(
                1 for r in self.requests if path_prefix is None or r.path.startswith(path_prefix)
            )
