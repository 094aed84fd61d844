"""The fake GitHub's HTTP face: routes, auth, injected faults, rate-limit headers and ETags.

Every response passes through `Api.respond`, which records the request, applies a queued
fault or the auth check, adds rate-limit headers, and turns a matching `If-None-Match`
into a 304 that costs no rate limit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from connectors.testing.faults import Answer, FaultAction, deliver, recorded_status
from connectors.testing.github_listing import (
    MAX_PAGE_OFFSET,
    IssueQuery,
    PageRequest,
    QueryError,
    Sorted,
    Window,
    parse_since,
    select,
    since_filter,
    window,
)
from connectors.testing.github_model import (
    GHE_API_PREFIX,
    FakeEvent,
    FakeIssue,
    FakeRepo,
    IssueStatus,
    user_json,
)

if TYPE_CHECKING:
    from connectors.testing.github import FakeGitHub
    from connectors.testing.github_traffic import Fault

DOCS = "https://docs.github.com/rest"
JSON_TYPE = "application/json; charset=utf-8"
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
ORG_FILTERS = ("assigned", "created", "mentioned", "subscribed", "repos", "all")


@dataclass(frozen=True)
class ApiRequest:
    """What a handler needs from a request: path params, query, and the URL roots."""

    path: str
    params: Mapping[str, Any]
    query: Mapping[str, str]
    origin: str
    base: str

    @classmethod
    def of(cls, request: Request) -> ApiRequest:
        origin = f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"
        prefix = GHE_API_PREFIX if request.url.path.startswith(GHE_API_PREFIX + "/") else ""
        return cls(
            path=request.url.path,
            params=request.path_params,
            query=dict(request.query_params),
            origin=origin,
            base=origin + prefix,
        )

    def link(self, rel: str, **replace: str | int) -> str:
        """One absolute `Link` entry: this request's URL with paging params replaced."""
        query = {k: v for k, v in self.query.items() if k not in ("page", "after")}
        query.update({k: str(v) for k, v in replace.items()})
        return f'<{self.origin}{self.path}?{urlencode(query)}>; rel="{rel}"'


@dataclass
class Reply:
    """A handler's answer; `list_page` marks an issue-list page for `on_list_page`."""

    status: int
    data: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    list_page: int | None = None


def error(status: int, message: str | None = None, **extra: str) -> Reply:
    """GitHub's error body: a message and a documentation link."""
    text = message or HTTPStatus(status).phrase
    return Reply(status, {"message": text, "documentation_url": DOCS, "status": str(status)}, extra)


Handler = Callable[[ApiRequest], Reply]


class Api:
    """Request handling for one FakeGitHub; `routes()` are mounted at `/` and `/api/v3`."""

    def __init__(self, fake: FakeGitHub) -> None:
        self.fake = fake

    def routes(self) -> list[BaseRoute]:
        endpoint = self.endpoint
        return [
            Route("/user", endpoint(self.user), methods=["GET"]),
            Route("/orgs/{org}", endpoint(self.org), methods=["GET"]),
            Route("/orgs/{org}/issues", endpoint(self.org_issues), methods=["GET"]),
            Route("/repos/{owner}/{name}", endpoint(self.repo), methods=["GET"]),
            Route("/repos/{owner}/{name}/issues", endpoint(self.repo_issues), methods=["GET"]),
            Route(
                "/repos/{owner}/{name}/issues/events", endpoint(self.repo_events), methods=["GET"]
            ),
            Route(
                "/repos/{owner}/{name}/issues/{number:int}", endpoint(self.issue), methods=["GET"]
            ),
            Route(
                "/repos/{owner}/{name}/issues/{number:int}/events",
                endpoint(self.issue_events),
                methods=["GET"],
            ),
            Route(
                "/repos/{owner}/{name}/issues/{number:int}/comments",
                endpoint(self.issue_comments),
                methods=["GET"],
            ),
            Route("/{path:path}", endpoint(lambda _: error(404)), methods=ANY_METHOD),
        ]

    def endpoint(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            return self.respond(request, handler)

        return run

    def respond(self, request: Request, handler: Handler) -> Response:
        """Answer one request (fault, auth, handler), record it, and add the common headers."""
        fake = self.fake
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if_none_match = request.headers.get("if-none-match")
        with fake.lock:
            fault = fake.take_fault(target)
            action = fault.action if fault is not None else None
            reply: Reply | None = None
            if fault is not None and fault.action is FaultAction.ANSWER:
                status, body, media, headers = _fault_response(fault)
            elif fault is not None and fault.replay is not None:
                status, body, media, headers = fault.replay
            else:
                reply = self._authorised_reply(request, handler)
                status, body, media, headers = _render(reply, if_none_match)
            headers = {
                **fake.rate_limit.headers(fake.now, charge=status != HTTPStatus.NOT_MODIFIED),
                "x-github-api-version-selected": "2022-11-28",
                "x-github-request-id": f"FAKE:{len(fake.requests) + 1}",
                **headers,
            }
            answer = Answer(status, body, media, headers)
            if fault is None and status == HTTPStatus.OK:
                fake.remember(target, answer)
            query = dict(request.query_params)
            logged = recorded_status(action, answer)
            fake.record(request.method, request.url.path, query, logged, if_none_match)
            hook = fake.on_list_page
            served = reply.list_page if reply is not None and status == HTTPStatus.OK else None
            if hook is not None and served is not None and action is not FaultAction.RESET:
                hook(served)
        return deliver(action, answer, seconds=fault.seconds if fault is not None else 0.0)

    def _authorised_reply(self, request: Request, handler: Handler) -> Reply:
        fake = self.fake
        if not fake.accepts(request.headers.get("authorization")):
            return error(401, "Bad credentials")
        if fake.rate_limit.exhausted(fake.now):
            return error(403, f"API rate limit exceeded for user ID 1. See {DOCS}.")
        try:
            return handler(ApiRequest.of(request))
        except QueryError as exc:
            return error(422, str(exc))

    # Handlers

    def user(self, api: ApiRequest) -> Reply:
        login = self.fake.login
        return Reply(200, {**user_json(login, api.base), "name": login, "email": None})

    def org(self, api: ApiRequest) -> Reply:
        org = api.params["org"]
        if not self.fake.repos_of(org) or not self.fake.can_see(org):
            return error(404)
        return Reply(200, {**user_json(org, api.base), "type": "Organization"})

    def org_issues(self, api: ApiRequest) -> Reply:
        org = api.params["org"]
        repos = self.fake.repos_of(org)
        if not repos or not self.fake.can_see(org):
            return error(404)
        mode = api.query.get("filter") or "assigned"
        if mode not in ORG_FILTERS:
            raise QueryError(f"Invalid value for filter: {mode!r}")
        login = self.fake.login
        keep: Callable[[FakeIssue], bool] | None = None
        if mode == "created":
            keep = lambda issue: issue.user == login  # noqa: E731
        elif mode not in ("all", "repos"):
            keep = lambda issue: login in issue.assignees  # noqa: E731
        by_name = {repo.full_name: repo for repo in repos}
        rendered: dict[str, dict[str, Any]] = {}

        def repository(issue: FakeIssue) -> dict[str, Any]:
            if issue.repo not in rendered:
                rendered[issue.repo] = by_name[issue.repo].raw(api.base)
            return {"repository": rendered[issue.repo]}

        return self._issue_list(api, ("org", org.lower(), mode, login), repos, keep, repository)

    def repo(self, api: ApiRequest) -> Reply:
        repo = self._repo(api)
        return error(404) if repo is None else Reply(200, repo.raw(api.base))

    def repo_issues(self, api: ApiRequest) -> Reply:
        repo = self._repo(api)
        if repo is None:
            return error(404)
        return self._issue_list(api, ("repo", repo.id), [repo], None, extra=None)

    def issue(self, api: ApiRequest) -> Reply:
        found = self._issue(api)
        return found if isinstance(found, Reply) else Reply(200, found.raw(api.base))

    def issue_events(self, api: ApiRequest) -> Reply:
        issue = self._issue(api, suffix="/events")
        if isinstance(issue, Reply):
            return issue
        events = sorted(issue.events, key=lambda e: (e.created_at, e.id))
        keys = [(0, i) for i in range(len(events))]
        return self._event_page(api, Sorted(events, keys), with_issue=False)

    def issue_comments(self, api: ApiRequest) -> Reply:
        """The issue's comments, oldest first; `since` keeps those updated at or after it."""
        issue = self._issue(api, suffix="/comments")
        if isinstance(issue, Reply):
            return issue
        since = parse_since(api.query["since"]) if api.query.get("since") else None
        kept = [c for c in issue.thread if since is None or c.updated_at >= since]
        listing = Sorted(kept, [(0, i) for i in range(len(kept))])
        page = window(listing, PageRequest.parse(api.query), max_offset=None)
        data = [comment.raw(api.base) for comment in page.entries]
        return Reply(200, data, _link_headers(api, page, cursor=False))

    def repo_events(self, api: ApiRequest) -> Reply:
        repo = self._repo(api)
        if repo is None:
            return error(404)
        fake = self.fake

        def build() -> Sorted[FakeEvent]:
            live = (IssueStatus.VISIBLE, IssueStatus.TRANSFERRED)
            events = [e for e in repo.events if e.issue.status in live]
            events.sort(key=lambda e: (e.created_at, e.id), reverse=True)
            return Sorted(events, [(0, i) for i in range(len(events))])

        listing = fake.listings.get(fake.version, ("events", repo.id), build)
        return self._event_page(api, listing, with_issue=True)

    # Helpers

    def _repo(self, api: ApiRequest) -> FakeRepo | None:
        """The repo a path names, or None when there is none or the caller may not see it."""
        name = f"{api.params['owner']}/{api.params['name']}"
        return self.fake.find_repo(name) if self.fake.can_see(name) else None

    def _issue(self, api: ApiRequest, suffix: str = "") -> FakeIssue | Reply:
        """The visible issue a path names, or the reply GitHub gives instead (301/404/410)."""
        repo = self._repo(api)
        issue = repo.issues.get(api.params["number"]) if repo else None
        if issue is None or issue.status is IssueStatus.HIDDEN:
            return error(404)
        if issue.status is IssueStatus.DELETED:
            return error(410, "This issue was deleted")
        if issue.status is IssueStatus.TRANSFERRED:
            current = issue
            while current.moved_to is not None:
                current = current.moved_to
            location = f"{api.base}{current.api_path}{suffix}"
            reply = error(301, "Moved Permanently", Location=location)
            reply.data["url"] = location
            return reply
        return issue

    def _issue_list(
        self,
        api: ApiRequest,
        scope: tuple[object, ...],
        repos: Iterable[FakeRepo],
        keep: Callable[[FakeIssue], bool] | None,
        extra: Callable[[FakeIssue], dict[str, Any]] | None,
    ) -> Reply:
        fake = self.fake
        query = IssueQuery.parse(api.query)
        paging = PageRequest.parse(api.query)
        unbounded = query.unbounded
        listing = since_filter(
            fake.listings.get(
                fake.version, (scope, unbounded), lambda: select(repos, unbounded, keep)
            ),
            query.since,
        )
        page = window(listing, paging, max_offset=MAX_PAGE_OFFSET)
        data = [
            {**issue.raw(api.base), **(extra(issue) if extra else {})} for issue in page.entries
        ]
        return Reply(
            200,
            data,
            _link_headers(api, page, cursor=fake.link_style == "cursor"),
            list_page=page.page,
        )

    def _event_page(
        self, api: ApiRequest, listing: Sorted[FakeEvent], *, with_issue: bool
    ) -> Reply:
        page = window(listing, PageRequest.parse(api.query), max_offset=None)
        data = [event.raw(api.base, with_issue=with_issue) for event in page.entries]
        return Reply(200, data, _link_headers(api, page, cursor=False))


def _link_headers(api: ApiRequest, page: Window[Any], *, cursor: bool) -> dict[str, str]:
    """`Link` in GitHub's order: prev, next, last, first (cursor style: next only)."""
    links: list[str] = []
    if cursor:
        if page.next_cursor is not None:
            links.append(api.link("next", after=page.next_cursor))
    else:
        if page.page > 1:
            links.append(api.link("prev", page=page.page - 1))
        if page.has_next:
            links.append(api.link("next", page=page.page + 1))
            links.append(api.link("last", page=page.last_page))
        if page.page > 1:
            links.append(api.link("first", page=1))
    return {"Link": ", ".join(links)} if links else {}


def _render(
    reply: Reply, if_none_match: str | None
) -> tuple[int, bytes, str | None, dict[str, str]]:
    """Serialise a reply; a 200 gets an ETag, and a matching If-None-Match turns it into 304."""
    body = json.dumps(reply.data, separators=(",", ":")).encode()
    headers = dict(reply.headers)
    if reply.status != HTTPStatus.OK:
        return reply.status, body, JSON_TYPE, headers
    etag = f'"{hashlib.sha256(body).hexdigest()[:40]}"'
    headers["ETag"] = etag
    if if_none_match is not None and _etag_matches(if_none_match, etag):
        return HTTPStatus.NOT_MODIFIED, b"", None, headers
    return reply.status, body, JSON_TYPE, headers


def _etag_matches(if_none_match: str, etag: str) -> bool:
    candidates = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in candidates or etag in candidates


def _fault_response(fault: Fault) -> tuple[int, bytes, str | None, dict[str, str]]:
    """An injected answer: the given body verbatim, or GitHub's error JSON for the status."""
    if fault.body is None:
        if fault.status == HTTPStatus.TOO_MANY_REQUESTS:
            message = "You have exceeded a secondary rate limit. Please wait a few minutes."
        elif fault.status == HTTPStatus.FORBIDDEN:
            message = (
                f"API rate limit exceeded for user ID 1. See {DOCS}."
                if fault.headers.get("x-ratelimit-remaining") == "0"
                else "Resource not accessible by personal access token"
            )
        else:
            message = HTTPStatus(fault.status).phrase
        body = json.dumps(error(fault.status, message).data)
    else:
        body = fault.body
    media = "text/html; charset=utf-8" if body.lstrip().startswith("<") else JSON_TYPE
    return fault.status, body.encode(), media, dict(fault.headers)


def build_app(fake: FakeGitHub) -> Starlette:
    """The ASGI app serving `fake` at the root (github.com style) and under `/api/v3` (GHE)."""
    routes = Api(fake).routes()
    return Starlette(routes=[Mount(GHE_API_PREFIX, routes=routes), *routes])
