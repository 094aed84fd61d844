"""Keeps secrets out of logs: a filter that blanks `Authorization` values and configured tokens.

The CLI installs it on the one handler every log record reaches (the root's), so records
from any library (httpx, uvicorn, the connectors) are redacted before they are written.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, SecretStr
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from service.config import REDACTED, Settings

_AUTHORIZATION = re.compile(  # `name: value`, `name=value`, and `(b'name', b'value')` pairs
    r"""(?P<name>\b(?:proxy-)?authorization\b['"]?\s*(?:[:=]|,\s*b?)\s*['"]?)[^'"\r\n,;})]+""",
    re.IGNORECASE,
)
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_STANDARD_FIELDS = frozenset(
    [*vars(logging.LogRecord("", 0, "", 0, None, None, None)), "message", "asctime", "taskName"]
)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message, traceback, stack and `extra=` fields so no secret
    survives (an extra that is not a number, bool or None becomes its redacted text)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """`text` with Authorization header values and every known secret replaced."""
        text = _AUTHORIZATION.sub(lambda m: m.group("name") + REDACTED, text)
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record, nor leak its args
            message = f"{record.msg!s} {record.args!r}"
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for name, value in extra_fields(record).items():
            if not isinstance(value, int | float | bool | None):
                setattr(record, name, self.redact(str(value)))
        return True


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a caller attached with `extra=`: everything not standard on a record."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD_FIELDS}


def secret_values(settings: Settings) -> list[str]:
    """Every secret the settings hold: tokens anywhere in them and the database password."""
    found = list(secrets_in(settings))
    try:
        password = make_url(settings.database_url).password
    except ArgumentError:
        password = None
    if password:
        found.append(str(password))
    return found


def secrets_in(value: Any) -> Iterable[str]:
    """Every SecretStr value held anywhere inside `value` (models, lists, dicts)."""
    if isinstance(value, SecretStr):
        yield value.get_secret_value()
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from secrets_in(getattr(value, name))
    elif isinstance(value, list | tuple):
        for element in value:
            yield from secrets_in(element)
    elif isinstance(value, dict):
        for element in value.values():
            yield from secrets_in(element)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is at the time (test runners and tools swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


_handler: logging.Handler | None = None


def install(
    secrets: Iterable[str],
    level: int = logging.INFO,
    formatter: logging.Formatter | None = None,
) -> RedactingFilter:
    """Log to stderr through a redacting filter; calling again replaces the previous setup.

    `formatter` defaults to one plain-text line per record (service.logs has the JSON one).
    """
    global _handler
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
    redactor = RedactingFilter(secrets)
    _handler = _StderrHandler()
    _handler.setFormatter(formatter or logging.Formatter(_FORMAT))
    _handler.addFilter(redactor)
    root.addHandler(_handler)
    root.setLevel(level)
    return redactor
