"""Per-client rate limiting of the HTTP API (`api.rate_limit`): a token bucket per client.

A client is the token it presents when that token is configured (named by a hash, never
the token), else its IP address (as uvicorn reports it: behind a trusted proxy, the
forwarded one). Buckets live in this process's memory, so each replica limits on its own.
Over the limit the answer is 429 `rate_limited` with `Retry-After` in whole seconds.
The probes (`/healthz`, `/readyz`) are never limited.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from service.api.deps import MalformedAuthorization, is_known, token_from_header, token_identity
from service.api.errors import error_response
from service.clock import Clock
from service.config import ApiSettings, RateLimit

EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})
MAX_CLIENTS = 10_000


@dataclass
class _Bucket:
    tokens: float
    at: float  # seconds since the epoch, by the limiter's clock


class TokenBuckets:
    """Buckets of `limit.requests` tokens refilled evenly over `limit.per`, one per client.

    At most `max_clients` buckets are kept; the least recently seen client is forgotten
    first (it starts again with a full bucket). Used from the event loop only, so no lock.
    """

    def __init__(self, limit: RateLimit, clock: Clock, max_clients: int = MAX_CLIENTS) -> None:
        self.capacity = float(limit.requests)
        self.rate = limit.requests / limit.per.total_seconds()  # tokens per second
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, client: str) -> int | None:
        """Spend one token of `client`'s bucket: None when allowed, else the whole seconds
        until a token is back (at least 1)."""
        now = self.clock.now().timestamp()
        bucket = self._buckets.pop(client, None) or _Bucket(self.capacity, now)
        elapsed = max(0.0, now - bucket.at)  # a clock stepped back refills nothing
        bucket.tokens = min(self.capacity, bucket.tokens + elapsed * self.rate)
        bucket.at = now
        self._buckets[client] = bucket
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        return max(1, math.ceil((1 - bucket.tokens) / self.rate))

    def __len__(self) -> int:
        return len(self._buckets)


def client_key(scope: Scope, api: ApiSettings) -> str:
    """Who is asking: a configured token's identity, else the client's IP address."""
    header = Headers(scope=scope).get("authorization")
    try:
        token = token_from_header(header, basic=True)
    except MalformedAuthorization:
        token = None
    if token is not None and is_known(token, api):
        return token_identity(token)
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


class RateLimitMiddleware:
    """Answers 429 before routing when the client's bucket is empty."""

    def __init__(self, app: ASGIApp, buckets: TokenBuckets, api: ApiSettings) -> None:
        self.app = app
        self.buckets = buckets
        self.api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        wait = self.buckets.take(client_key(scope, self.api))
        if wait is None:
            await self.app(scope, receive, send)
            return
        response = error_response(
            429,
            "rate_limited",
            f"too many requests from this client; retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )
        await response(scope, receive, send)
