"""GitHub over HTTP: PyGithub's requester for raw JSON, the project's retry policy around it.

PyGithub's own retry and throttle are off (they sleep on the wall clock); every response
is classified by `connectors.retry.classify_response`, every HTTP request is reported to
`Context.on_request`, and pagination links are checked to stay under the API root.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from github import Auth, Github
from github.Requester import HTTPRequestsConnectionClass

from connectors.base import Context
from connectors.bounded import cap_requests_body
from connectors.errors import BadResponse, ConfigError, PaginationLoop, ResponseTooLarge, Retryable
from connectors.github.config import GitHubConfig
from connectors.retry import RetryPolicy, classify_response

TIMEOUT_SECONDS = 30
USER_AGENT = "followthrough"
ACCEPT = "application/vnd.github+json"
GONE_STATUSES = frozenset({404, 410})
_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="([^"]*)"')
_HINT_LENGTH = 120


@dataclass(frozen=True)
class Response:
    """One answered request: status, lower-cased headers and the parsed JSON body."""

    status: int
    headers: Mapping[str, str]
    data: Any

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag") or None

    @property
    def next_url(self) -> str | None:
        """The `Link` header's rel="next" URL, exactly as given."""
        for url, rels in _LINK.findall(self.headers.get("link", "")):
            if "next" in rels.split():
                return str(url)
        return None


class GitHubClient:
    """GET requests against one GitHub API root, retried and counted."""

    def __init__(self, config: GitHubConfig, context: Context) -> None:
        self._root = config.api_root
        self._context = context
        self._retry = RetryPolicy(sleep=context.sleep, clock=context.clock)
        self._github = Github(
            base_url=self._root,
            auth=Auth.Token(config.token.get_secret_value()),
            per_page=config.page_size,
            timeout=TIMEOUT_SECONDS,
            user_agent=USER_AGENT,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )
        _cap_responses(self._github)

    def get(
        self,
        url: str,
        params: Mapping[str, str] | None = None,
        *,
        what: str,
        etag: str | None = None,
        gone_ok: bool = False,
    ) -> Response:
        """GET a path under the API root (or a link URL the API gave), with retries.

        Raises the classified error for any failure, except that `gone_ok` returns a
        404 or 410 (a single item that is no longer there is not an error).
        """
        return self._retry.call(lambda: self._once(url, dict(params or {}), what, etag, gone_ok))

    def issue(self, repo: str, number: int, *, what: str) -> Response:
        """GET one issue; 404 and 410 are answers here, not errors.

        A transferred issue answers 301 to its new location, which PyGithub follows on
        the same host; the extra request is counted when the answer names another URL.
        """
        path = f"/repos/{repo}/issues/{number}"
        response = self.get(path, what=what, gone_ok=True)
        url = response.data.get("url") if isinstance(response.data, Mapping) else None
        if isinstance(url, str) and not url.casefold().endswith(path.casefold()):
            self._context.on_request(301)
        return response

    def pages(self, path: str, params: Mapping[str, str], *, what: str) -> Iterator[Response]:
        """Every page of a listing, following `Link: rel="next"` exactly; 404/410 ends it."""
        response = self.get(path, params, what=what, gone_ok=True)
        followed: set[str] = set()
        while True:
            yield response
            next_url = response.next_url
            if next_url is None or response.status in GONE_STATUSES:
                return
            if next_url in followed:
                raise PaginationLoop(f"{what}: the next-page link repeated: {next_url}")
            followed.add(next_url)
            response = self.get(next_url, what=what)

    def close(self) -> None:
        self._github.close()

    def _once(
        self, url: str, params: dict[str, str], what: str, etag: str | None, gone_ok: bool
    ) -> Response:
        headers = {"Accept": ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        try:
            status, raw_headers, body = self._github.requester.requestJson(
                "GET", self._path(url, what), params, headers
            )
        except requests.RequestException as exc:
            self._context.on_request(0)
            raise Retryable(f"{what}: {type(exc).__name__} talking to GitHub") from None
        except ResponseTooLarge as exc:
            self._context.on_request(exc.status)
            raise ResponseTooLarge(f"{what}: {exc}", status=exc.status) from None
        except RuntimeError:  # PyGithub refuses a redirect to another host or scheme
            self._context.on_request(301)
            raise ConfigError(f"{what}: GitHub redirected to another host; not followed") from None
        self._context.on_request(status)
        lowered = {str(k).lower(): str(v) for k, v in raw_headers.items()}
        data, hint = _parse(body)
        if gone_ok and status in GONE_STATUSES:
            return Response(status, lowered, data)
        error = classify_response(
            status, lowered, now=self._context.clock(), what=what, body_hint=hint
        )
        if error is not None:
            raise error
        if status != 304 and data is None:
            raise BadResponse(f"{what}: HTTP {status} without a JSON body: {_snippet(body)}")
        return Response(status, lowered, data)

    def _path(self, url: str, what: str) -> str:
        """A path for the requester; absolute URLs must stay under the API root."""
        if url.startswith("/"):
            return url
        if url == self._root or url.startswith(f"{self._root}/"):
            return url
        raise BadResponse(f"{what}: refusing a link outside {self._root}: {url}")


def _cap_responses(github: Github) -> None:
    """Make every connection PyGithub opens read bodies through `cap_requests_body`.

    PyGithub builds its `requests.Session` lazily, from a connection class it keeps per
    requester (a name-mangled attribute, no public hook); a subclass adds the hook.
    """
    requester = github.requester
    attribute = "_Requester__connectionClass"
    base: type[HTTPRequestsConnectionClass] = getattr(requester, attribute)

    class Capped(base):  # type: ignore[valid-type, misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.session.hooks["response"].append(cap_requests_body)

    setattr(requester, attribute, Capped)


def _parse(body: str) -> tuple[Any, str]:
    """The JSON body (None when empty or not JSON) and a short hint for error messages."""
    if not body.strip():
        return None, ""
    try:
        data = json.loads(body)
    except ValueError:
        return None, ""
    message = data.get("message") if isinstance(data, dict) else None
    return data, message[:_HINT_LENGTH] if isinstance(message, str) else ""


def _snippet(body: str) -> str:
    text = " ".join(body.split())
    return repr(text[:60]) if text else "(empty)"
