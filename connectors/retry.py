"""The one retry policy: classify tracker responses, honour Retry-After, back off with jitter.

Every connector funnels HTTP outcomes through `classify_response` (and GraphQL error arrays
through `classify_graphql_errors`) and wraps calls in `RetryPolicy.call`, so waits use the
injected sleep and clock and stay bounded.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from connectors.base import Clock, Sleep
from connectors.errors import (
    AuthError,
    BadResponse,
    ConfigError,
    ConnectorError,
    RateLimited,
    Retryable,
)

T = TypeVar("T")

RETRYABLE_STATUSES = frozenset({408, 500, 502, 503, 504})

# GitHub's own wording: "You have exceeded a secondary rate limit ..." and, for the
# primary limit, "API rate limit exceeded for ...". Nothing looser: a 403 that merely
# mentions rate limits in another sense is an access problem.
_GITHUB_LIMIT_PHRASES = ("secondary rate limit", "api rate limit exceeded")

# (remaining, reset) header pairs: GitHub and Jira use the first, Linear the other two.
_RATE_LIMIT_BUCKETS = (
    ("x-ratelimit-remaining", "x-ratelimit-reset"),
    ("x-ratelimit-requests-remaining", "x-ratelimit-requests-reset"),
    ("x-ratelimit-complexity-remaining", "x-ratelimit-complexity-reset"),
)

_GRAPHQL_RATE_LIMITED = "ratelimited"
_GRAPHQL_AUTH_KINDS = frozenset({"authenticationerror", "unauthenticated", "forbidden"})


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header given as seconds or as an HTTP-date."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def parse_reset(value: str | None) -> datetime | None:
    """A rate-limit reset header: epoch seconds (GitHub), epoch ms (Linear) or ISO-8601 (Jira)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            return None
        return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    if not math.isfinite(number) or number < 0:
        return None
    if number > 1e11:  # milliseconds: 1e11 seconds is the year 5138
        number /= 1000
    try:
        return datetime.fromtimestamp(number, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _rate_limit_reset(headers: Mapping[str, str]) -> tuple[datetime | None, bool]:
    """The reset time that matters and whether a bucket is exhausted.

    Prefers the latest reset among exhausted buckets (remaining = 0); otherwise the latest
    reset sent at all. `headers` must have lower-case names.
    """
    exhausted: list[datetime] = []
    any_reset: list[datetime] = []
    is_exhausted = False
    for remaining_name, reset_name in _RATE_LIMIT_BUCKETS:
        reset = parse_reset(headers.get(reset_name))
        empty = headers.get(remaining_name, "").strip() == "0"
        is_exhausted = is_exhausted or empty
        if reset is not None:
            any_reset.append(reset)
            if empty:
                exhausted.append(reset)
    chosen = exhausted or any_reset
    return (max(chosen) if chosen else None), is_exhausted


def classify_response(
    status: int,
    headers: Mapping[str, str],
    *,
    now: datetime,
    what: str,
    body_hint: str = "",
) -> ConnectorError | None:
    """Map an HTTP status plus headers to the error it means (RELIABILITY rule 8), or None.

    `what` names the resource (a repo, a project, a credential) so the message says what
    is at fault; `body_hint` is a short, secret-free summary of the body, if any. 2xx and
    304 are success; any other 3xx means a redirect was refused (another host).
    """
    if 200 <= status < 300 or status == 304:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    retry_after = parse_retry_after(lowered.get("retry-after"), now)
    reset_at, exhausted = _rate_limit_reset(lowered)
    github_limit = any(phrase in body_hint.lower() for phrase in _GITHUB_LIMIT_PHRASES)
    suffix = f": {body_hint}" if body_hint else ""
    if status == 429 or (status == 403 and (exhausted or github_limit or retry_after is not None)):
        return RateLimited(
            f"{what}: rate limited (HTTP {status}){suffix}",
            retry_after=retry_after,
            reset_at=reset_at,
        )
    if status == 401:
        return AuthError(f"{what}: credentials rejected (HTTP 401); check the token")
    if status == 403:
        return AuthError(f"{what}: access denied (HTTP 403); check the token's scopes")
    if status == 404:
        return ConfigError(f"{what}: not found (HTTP 404), or the token cannot see it")
    if status == 410:
        return ConfigError(f"{what}: gone (HTTP 410); it was deleted or disabled")
    if 300 <= status < 400:
        return ConfigError(f"{what}: moved (HTTP {status}); update the configured URL or name")
    if status in RETRYABLE_STATUSES:
        if status == 503 and retry_after is not None:
            return RateLimited(f"{what}: unavailable (HTTP 503){suffix}", retry_after=retry_after)
        return Retryable(f"{what}: server error (HTTP {status}){suffix}")
    return ConnectorError(f"{what}: unexpected HTTP {status}{suffix}")


def classify_graphql_errors(
    errors: Sequence[object],
    *,
    now: datetime,
    what: str,
    headers: Mapping[str, str] | None = None,
) -> ConnectorError | None:
    """Map a GraphQL `errors` array to the error it means, at any HTTP status, or None if empty.

    An error whose `extensions.type` or `extensions.code` is `ratelimited` (any case) is a
    rate limit, timed by the response headers when given; authentication or forbidden
    errors are access problems; anything else is a bad response (an `errors` array on
    HTTP 200 is still a failure).
    """
    if not errors:
        return None
    kinds: set[str] = set()
    messages: list[str] = []
    for error in errors:
        if not isinstance(error, Mapping):
            messages.append(str(error)[:100])
            continue
        extensions = error.get("extensions")
        if isinstance(extensions, Mapping):
            for name in ("type", "code"):
                value = extensions.get(name)
                if isinstance(value, str):
                    kinds.add(_normalise_kind(value))
        message = error.get("message")
        if isinstance(message, str):
            messages.append(message[:100])
    summary = "; ".join(messages[:3]) or "no message"
    if _GRAPHQL_RATE_LIMITED in kinds:
        lowered = {k.lower(): v for k, v in (headers or {}).items()}
        reset_at, _ = _rate_limit_reset(lowered)
        return RateLimited(
            f"{what}: rate limited (GraphQL): {summary}",
            retry_after=parse_retry_after(lowered.get("retry-after"), now),
            reset_at=reset_at,
        )
    if kinds & _GRAPHQL_AUTH_KINDS:
        return AuthError(f"{what}: access denied (GraphQL): {summary}; check the token")
    return BadResponse(f"{what}: GraphQL error: {summary}")


def _normalise_kind(value: str) -> str:
    return "".join(ch for ch in value.lower() if ch.isalnum())


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: capped exponential backoff with full jitter; rate limits honoured.

    A rate-limit wait longer than `max_wait` seconds is not slept: the `RateLimited`
    error propagates so the run ends as `rate_limited` and keeps its committed pages.
    A rate limit that names no time waits `fallback_rate_limit_wait`, doubling each time.
    """

    sleep: Sleep
    clock: Clock
    max_tries: int = 5
    base_delay: float = 1.0
    max_delay: float = 30.0
    max_wait: float = 120.0
    fallback_rate_limit_wait: float = 60.0
    rng: Callable[[], float] = random.random

    def wait_for(self, error: RateLimited, limited_before: int = 0) -> float:
        """Seconds a rate limit asks for: Retry-After, else until reset, else the fallback
        doubled once per earlier rate limit in this call."""
        if error.retry_after is not None:
            return error.retry_after
        if error.reset_at is not None:
            return max(0.0, (error.reset_at - self.clock()).total_seconds())
        return self.fallback_rate_limit_wait * 2.0**limited_before

    def call(self, operation: Callable[[], T]) -> T:
        """Run `operation`, retrying transient failures and waiting out short rate limits;
        every other error propagates at once."""
        attempt = 0
        limited = 0
        while True:
            attempt += 1
            try:
                return operation()
            except RateLimited as error:
                wait = self.wait_for(error, limited)
                if wait > self.max_wait or attempt >= self.max_tries:
                    raise
                limited += 1
                self.sleep(wait)
            except Retryable:
                if attempt >= self.max_tries:
                    raise
                ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
                self.sleep(self.rng() * ceiling)
