"""The fake's traffic controls: auth, queued faults, the rate limit and the request log.

`FakeGitHub` inherits them; the HTTP layer consults them on every request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

RATE_WINDOW_SECONDS = 3600


class RecordedRequest(NamedTuple):
    """One request the fake answered, for asserting request counts and conditional use."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    if_none_match: str | None


@dataclass
class Fault:
    """A queued failure: the next `times` requests whose path+query contains `path_contains`."""

    status: int
    times: int
    headers: dict[str, str]
    body: str | None
    path_contains: str | None


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
        self._faults: list[Fault] = []

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        headers: Mapping[str, str] | None = None,
        body: str | None = None,
        path_contains: str | None = None,
    ) -> None:
        """Answer the next `times` matching requests with `status` (and `body` verbatim)."""
        with self.lock:
            self._faults.append(
                Fault(
                    status,
                    times,
                    {k.lower(): v for k, v in (headers or {}).items()},
                    body,
                    path_contains,
                )
            )

    def take_fault(self, target: str) -> Fault | None:
        """The first queued fault matching a request's path and query, used up by one."""
        with self.lock:
            for fault in self._faults:
                if fault.path_contains is None or fault.path_contains in target:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
            return None

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
            self.requests.append(RecordedRequest(method, path, query, status, if_none_match))

    def request_count(self, path_prefix: str | None = None) -> int:
        """How many requests were answered (whose path starts with `path_prefix`)."""
        with self.lock:
            return sum(
                1 for r in self.requests if path_prefix is None or r.path.startswith(path_prefix)
            )
