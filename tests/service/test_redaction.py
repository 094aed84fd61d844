"""The log filter: Authorization values and configured secrets never reach a log line."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from connectors.registry import load_connectors
from service import redaction
from service.config import parse_settings
from service.redaction import RedactingFilter, secret_values

CANARY = "canary-0c2e61b4-never-log"


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A private logger writing through a redacting handler into a buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(RedactingFilter([CANARY, "db-pass"]))
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    yield logger, buffer
    logger.removeHandler(handler)
    logger.propagate = True


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer abc.def",
        "headers={'Authorization': 'token abc.def', 'Accept': 'json'}",
        '{"authorization": "Basic abc.def"}',
        "proxy-authorization=Bearer abc.def",
        "headers=[(b'host', b'api.github.com'), (b'authorization', b'token abc.def')]",
        "('Authorization', 'lin_api_abc.def')",
    ],
)
def test_authorization_values_are_redacted(logged, text):
    logger, buffer = logged
    logger.info("request %s", text)
    line = buffer.getvalue()
    assert "abc.def" not in line
    assert "[redacted]" in line


def test_the_rest_of_the_message_survives(logged):
    logger, buffer = logged
    logger.info("GET %s Authorization: Bearer abc\nnext line", "/issues")
    assert buffer.getvalue() == "GET /issues Authorization: [redacted]\nnext line\n"


def test_configured_secrets_are_redacted_in_message_and_arguments(logged):
    logger, buffer = logged
    logger.warning(f"token {CANARY} in message, password %s in args", "db-pass")
    assert CANARY not in buffer.getvalue()
    assert "db-pass" not in buffer.getvalue()
    assert buffer.getvalue().count("[redacted]") == 2


def test_secrets_in_a_traceback_are_redacted(logged):
    logger, buffer = logged
    try:
        raise RuntimeError(f"request failed with {CANARY}")
    except RuntimeError:
        logger.exception("sync failed")
    assert "RuntimeError: request failed with [redacted]" in buffer.getvalue()
    assert CANARY not in buffer.getvalue()


def test_a_record_with_broken_arguments_is_still_logged_and_redacted(logged):
    logger, buffer = logged
    logger.info("two %s %s", CANARY)
    assert "two" in buffer.getvalue()
    assert CANARY not in buffer.getvalue()


def test_secret_values_finds_every_token_and_the_database_password():
    settings = parse_settings(
        {
            "database_url": "postgresql://ft:pw-db@db/ft",
            "api": {"read_tokens": ["read-1"], "admin_tokens": ["admin-1"]},
            "sources": [{"name": "demo", "kind": "scripted", "token": "source-1"}],
        },
        load_connectors(),
        env={},
    )
    assert sorted(secret_values(settings)) == ["admin-1", "pw-db", "read-1", "source-1"]


def test_install_routes_every_logger_through_one_redacting_handler(capsys):
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        redaction.install([CANARY])
        redaction.install([CANARY])  # a second install replaces, never doubles
        logging.getLogger("some.library").info("using %s", CANARY)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    err = capsys.readouterr().err
    assert err.count("some.library: using [redacted]") == 1
