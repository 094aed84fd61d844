"""Jira over HTTP: pycontribs' session for raw JSON, the project's retry policy around it.

The `JIRA` object is built with `max_retries=0` (its own retry sleeps on the wall clock
and cannot parse an HTTP-date Retry-After) and without its constructor's serverInfo call,
so every request, serverInfo included, takes one path: sent through the library's
session, reported to `Context.on_request`, classified by `connectors.retry`, retried by
`RetryPolicy`. Redirects are never followed (a 3xx is a configuration error).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from jira import JIRA, JIRAError

from connectors.base import Context
from connectors.bounded import cap_requests_body
from connectors.errors import (
    AuthError,
    BadResponse,
    ConfigError,
    ConnectorError,
    ResponseTooLarge,
    Retryable,
)
from connectors.jira.config import JiraConfig
from connectors.retry import RetryPolicy, classify_response

TIMEOUT_SECONDS = 30
GONE_STATUSES = frozenset({404})
_HINT_LENGTH = 200


@dataclass(frozen=True)
class Response:
    """One answered request: status, lower-cased headers and the parsed JSON body."""

    status: int
    headers: Mapping[str, str]
    data: Any


class JiraClient:
    """Requests against one Jira site, authenticated, retried and counted."""

    def __init__(self, config: JiraConfig, context: Context) -> None:
        self.site = config.site
        self._context = context
        self._retry = RetryPolicy(sleep=context.sleep, clock=context.clock)
        token = config.token.get_secret_value()
        self.basic = config.email is not None
        self._jira = JIRA(
            config.site,
            basic_auth=(config.email, token) if config.email is not None else None,
            token_auth=None if config.email is not None else token,
            max_retries=0,
            get_server_info=False,
            timeout=TIMEOUT_SECONDS,
            options={"check_update": False},
        )
        self._jira._session.hooks["response"].append(cap_requests_body)

    @property
    def credential(self) -> str:
        """The credential in use, named for error messages (never its value)."""
        if self.basic:
            return "the email and API token (Jira Cloud basic auth)"
        return "the personal access token (Jira Data Center Bearer auth)"

    def get(
        self,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        what: str,
        jql: str | None = None,
        gone_ok: bool = False,
    ) -> Response:
        """GET a path under the site, with retries; `jql` names the query a 400 refused."""
        return self._retry.call(lambda: self._once("GET", path, params, None, what, jql, gone_ok))

    def post(
        self, path: str, body: Mapping[str, Any], *, what: str, gone_ok: bool = False
    ) -> Response:
        """POST a JSON body to a path under the site, with retries."""
        return self._retry.call(lambda: self._once("POST", path, None, body, what, None, gone_ok))

    def close(self) -> None:
        self._jira._session.close()

    def _once(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: Mapping[str, Any] | None,
        what: str,
        jql: str | None,
        gone_ok: bool,
    ) -> Response:
        session = self._jira._session
        try:
            response = session.request(
                method,
                f"{self.site}{path}",
                params=dict(params or {}),
                data=json.dumps(body) if body is not None else None,
                allow_redirects=False,
            )
        except JIRAError as exc:  # the library raises on every status >= 400
            if exc.response is None:
                self._context.on_request(0)
                raise Retryable(f"{what}: no response from Jira") from None
            response = exc.response
        except requests.RequestException as exc:
            self._context.on_request(0)
            raise Retryable(f"{what}: {type(exc).__name__} talking to Jira") from None
        except ResponseTooLarge as exc:
            self._context.on_request(exc.status)
            raise ResponseTooLarge(f"{what}: {exc}", status=exc.status) from None
        status = response.status_code
        self._context.on_request(status)
        headers = {str(k).lower(): str(v) for k, v in response.headers.items()}
        data, hint = _parse(response.text)
        if gone_ok and status in GONE_STATUSES:
            return Response(status, headers, data)
        error = self._error(status, headers, hint, what, jql)
        if error is not None:
            raise error
        if data is None:
            raise BadResponse(
                f"{what}: HTTP {status} without a JSON body: {_snippet(response.text)}"
            )
        return Response(status, headers, data)

    def _error(
        self, status: int, headers: Mapping[str, str], hint: str, what: str, jql: str | None
    ) -> ConnectorError | None:
        """The classified error, with Jira's own wording for refused credentials and JQL."""
        error = classify_response(
            status, headers, now=self._context.clock(), what=what, body_hint=hint
        )
        if error is None or status == 429:
            return error
        if status == 401:
            return AuthError(f"{what}: credentials rejected (HTTP 401); check {self.credential}")
        if status == 403 and isinstance(error, AuthError):
            scope = (
                "the API token's account needs the read:jira-work scope and Browse projects"
                if self.basic
                else "the token's user needs the Browse Projects permission"
            )
            denied = f" ({hint})" if hint else ""
            return AuthError(f"{what}: access denied (HTTP 403){denied}; {scope}")
        if status == 400 and jql is not None:
            return ConfigError(
                f"{what}: Jira refused the query ({hint or 'HTTP 400'}); check the jql: {jql}"
            )
        return error


def _parse(text: str) -> tuple[Any, str]:
    """The JSON body (None when empty or not JSON) and a short hint for error messages:
    Jira's `errorMessages`, `errors` or `message`."""
    if not text.strip():
        return None, ""
    try:
        data = json.loads(text)
    except ValueError:
        return None, ""
    if not isinstance(data, dict):
        return data, ""
    parts: list[str] = []
    messages = data.get("errorMessages")
    if isinstance(messages, list):
        parts += [m for m in messages if isinstance(m, str)]
    errors = data.get("errors")
    if isinstance(errors, dict):
        parts += [f"{k}: {v}" for k, v in errors.items() if isinstance(v, str)]
    message = data.get("message")
    if isinstance(message, str):
        parts.append(message)
    return data, "; ".join(parts)[:_HINT_LENGTH]


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return repr(flat[:60]) if flat else "(empty)"
