"""The one retry policy: classify tracker responses, honour Retry-After, back off with jitter.

Every connector funnels HTTP outcomes through `classify_response` and wraps calls in
`RetryPolicy.call`, so waits use the injected sleep and clock and stay bounded.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from connectors.base import Clock, Sleep
from connectors.errors import AuthError, ConfigError, ConnectorError, RateLimited, Retryable

T = TypeVar("T")

RETRYABLE_STATUSES = frozenset({408, 500, 502, 503, 504})


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header given as seconds or as an HTTP-date."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
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
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    if number > 1e11:  # milliseconds
        number /= 1000
    return datetime.fromtimestamp(number, tz=UTC)


def classify_response(
    status: int,
    headers: Mapping[str, str],
    *,
    now: datetime,
    what: str,
    body_hint: str = "",
) -> ConnectorError | None:
    """Map an HTTP status plus headers to the error it means, or None for success.

    `what` names the resource (a repo, a project, a credential) so the message says what
    is at fault; `body_hint` is a short, secret-free summary of the body, if any.
    """
    if 200 <= status < 400:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    retry_after = parse_retry_after(lowered.get("retry-after"), now)
    reset_at = parse_reset(lowered.get("x-ratelimit-reset"))
    exhausted = lowered.get("x-ratelimit-remaining", "").strip() == "0"
    secondary = "secondary rate limit" in body_hint.lower() or "rate limit" in body_hint.lower()
    suffix = f": {body_hint}" if body_hint else ""
    if status == 429 or (status == 403 and (exhausted or secondary or retry_after is not None)):
        return RateLimited(
            f"{what}: rate limited (HTTP {status}){suffix}",
            retry_after=retry_after,
            reset_at=reset_at if retry_after is None else None,
        )
    if status in (401, 403):
        return AuthError(f"{what}: access denied (HTTP {status}); check the token and its scopes")
    if status == 404:
        return ConfigError(f"{what}: not found (HTTP 404), or the token cannot see it")
    if status in RETRYABLE_STATUSES:
        if status == 503 and retry_after is not None:
            return RateLimited(f"{what}: unavailable (HTTP 503){suffix}", retry_after=retry_after)
        return Retryable(f"{what}: server error (HTTP {status}){suffix}")
    return ConnectorError(f"{what}: unexpected HTTP {status}{suffix}")


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: capped exponential backoff with full jitter; rate limits honoured.

    A rate-limit wait longer than `max_wait` seconds is not slept: the `RateLimited`
    error propagates so the run ends as `rate_limited` and keeps its committed pages.
    """

    sleep: Sleep
    clock: Clock
    max_tries: int = 5
    base_delay: float = 1.0
    max_delay: float = 30.0
    max_wait: float = 120.0
    fallback_rate_limit_wait: float = 60.0
    rng: Callable[[], float] = random.random

    def wait_for(self, error: RateLimited) -> float:
        """Seconds a rate limit asks for: Retry-After, else until reset, else a fallback."""
        if error.retry_after is not None:
            return error.retry_after
        if error.reset_at is not None:
            return max(0.0, (error.reset_at - self.clock()).total_seconds())
        return self.fallback_rate_limit_wait

    def call(self, operation: Callable[[], T]) -> T:
        """Run `operation`, retrying transient failures and waiting out short rate limits."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return operation()
            except RateLimited as error:
                wait = self.wait_for(error)
                if wait > self.max_wait or attempt >= self.max_tries:
                    raise
                self.sleep(wait)
            except Retryable:
                if attempt >= self.max_tries:
                    raise
                ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
                self.sleep(self.rng() * ceiling)
