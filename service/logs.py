"""Logging setup: plain text or one JSON object per line, always through the redacting filter.

Also the request log: one line per HTTP request (method, path without its query string,
status, duration), written by an ASGI middleware instead of uvicorn's access log.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service import redaction
from service.config import Settings

QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})  # probes and scrapes: DEBUG
request_log = logging.getLogger("service.http")
_DROPPED_FIELDS = frozenset({"color_message"})  # uvicorn's ANSI-coloured copy of the message


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, then the `extra=` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in redaction.extra_fields(record).items():
            if name not in _DROPPED_FIELDS:
                entry.setdefault(name, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


def set_up(settings: Settings) -> None:
    """Redacted logging to stderr in the configured `log_format`; Alembic's progress lines
    are left out (`migrate` prints the revision itself)."""
    formatter = JsonFormatter() if settings.log_format == "json" else None
    redaction.install(redaction.secret_values(settings), formatter=formatter)
    logging.getLogger("alembic").setLevel(logging.WARNING)


class RequestLogMiddleware:
    """Logs each HTTP request once it is answered; never the query string or any header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            method, path = str(scope["method"]), str(scope["path"])
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            request_log.log(
                logging.DEBUG if path in QUIET_PATHS else logging.INFO,
                "%s %s %d %.1fms",
                method,
                path,
                status,
                duration_ms,
                extra={
                    "event": "http_request",
                    "method": method,
                    "path": path,
                    "status": status,
                    "duration_ms": duration_ms,
                },
            )
