"""The one error hierarchy connectors raise; the runner maps each class to a run outcome."""

from __future__ import annotations

from datetime import datetime


class ConnectorError(Exception):
    """Base of every error a connector raises; the message names what is at fault."""


class RateLimited(ConnectorError):
    """The tracker asked us to wait; `retry_after` seconds, or until `reset_at`."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, reset_at: datetime | None = None
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.reset_at = reset_at


class Retryable(ConnectorError):
    """A transient failure (5xx, timeout, reset connection): worth trying again."""


class AuthError(ConnectorError):
    """Credentials are missing, wrong or lack a scope: the source is misconfigured."""


class ConfigError(ConnectorError):
    """The source's configuration names something the tracker does not have."""


class BadResponse(ConnectorError):
    """The tracker answered with something we cannot parse (HTML, truncated or wrong JSON)."""


class PaginationLoop(BadResponse):
    """A page token repeated: following it would loop forever."""


class ResponseTooLarge(BadResponse):
    """The tracker's answer is larger than any page could be; it was refused unread."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status
