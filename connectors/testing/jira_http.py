"""The fake Jira's HTTP face: REST v2 routes for Cloud and Data Center, auth, faults.

Every response passes through `Api.respond`, which records the request, applies a
queued fault (`fail_next`) or the auth check, and serialises the handler's reply.
Cloud answers `/rest/api/2/search` with 410 (it was removed) and pages
`/rest/api/2/search/jql` by `nextPageToken`; Data Center pages `/rest/api/2/search`
by `startAt`/`total` and has no `search/jql`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from connectors.testing.faults import Answer, FaultAction, deliver, recorded_status
from connectors.testing.jira_jql import JqlError, Query, parse
from connectors.testing.jira_model import (
    FLAGGED_FIELD,
    STATUSES,
    TYPE_FIELD,
    TYPE_FIELD_NAME,
    FakeJiraIssue,
    comment_json,
    stamp,
    status_json,
    user_json,
)

if TYPE_CHECKING:
    from connectors.testing.github_traffic import Fault
    from connectors.testing.jira import FakeJira

JSON_TYPE = "application/json;charset=UTF-8"
ID_ONLY_PAGE = 5000
ANY_METHOD = ["GET", "POST", "PUT", "DELETE"]


@dataclass
class Reply:
    status: int
    data: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    list_page: int | None = None


def error(status: int, *messages: str) -> Reply:
    """Jira's error body: `errorMessages` plus an (empty) `errors` object."""
    return Reply(
        status, {"errorMessages": list(messages) or [HTTPStatus(status).phrase], "errors": {}}
    )


@dataclass(frozen=True)
class Call:
    """What a handler needs: path params, query, JSON body and the site's base URL."""

    params: dict[str, Any]
    query: dict[str, str]
    body: Any
    base: str


Handler = Callable[[Call], Reply]


class Api:
    """Request handling for one FakeJira."""

    def __init__(self, fake: FakeJira) -> None:
        self.fake = fake
        self.list_pages = 0

    def routes(self) -> list[BaseRoute]:
        on = self.endpoint
        return [
            Route("/rest/api/2/serverInfo", on(self.server_info, auth=False), methods=["GET"]),
            Route("/rest/api/2/myself", on(self.myself), methods=["GET"]),
            Route("/rest/api/2/field", on(self.fields), methods=["GET"]),
            Route("/rest/api/2/status", on(self.statuses), methods=["GET"]),
            Route("/rest/api/2/project/{key}", on(self.project), methods=["GET"]),
            Route("/rest/api/2/search/jql", on(self.search_jql), methods=["GET"]),
            Route("/rest/api/2/search", on(self.search), methods=["GET"]),
            Route("/rest/api/2/issue/bulkfetch", on(self.issue_bulkfetch), methods=["POST"]),
            Route(
                "/rest/api/3/changelog/bulkfetch", on(self.changelog_bulkfetch), methods=["POST"]
            ),
            Route("/rest/api/2/issue/{id}", on(self.issue), methods=["GET"]),
            Route("/rest/api/2/issue/{id}/changelog", on(self.changelog), methods=["GET"]),
            Route("/rest/api/2/issue/{id}/comment", on(self.comments), methods=["GET"]),
            Route("/{path:path}", on(lambda _: error(404, "Not found")), methods=ANY_METHOD),
        ]

    def endpoint(
        self, handler: Handler, *, auth: bool = True
    ) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            body = await request.body()
            return self.respond(request, body, handler, auth)

        return run

    def respond(self, request: Request, raw_body: bytes, handler: Handler, auth: bool) -> Response:
        fake = self.fake
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        with fake.lock:
            fault = fake.take_fault(target)
            action = fault.action if fault is not None else None
            reply: Reply | None = None
            if fault is not None and fault.action is FaultAction.ANSWER:
                answer = Answer(*_fault_response(fault))
            elif fault is not None and fault.replay is not None:
                answer = fault.replay
            else:
                reply = self._authorised(request, raw_body, handler, auth)
                body = json.dumps(reply.data).encode()
                answer = Answer(reply.status, body, JSON_TYPE, reply.headers)
                if fault is None and reply.status == 200:
                    fake.remember(target, answer)
            status = recorded_status(action, answer)
            fake.record(request.method, request.url.path, dict(request.query_params), status, None)
            hook = fake.on_list_page
            if (
                hook is not None
                and reply is not None
                and reply.list_page is not None
                and status == 200
            ):
                hook(reply.list_page)
        return deliver(action, answer, seconds=fault.seconds if fault is not None else 0.0)

    def _authorised(self, request: Request, raw_body: bytes, handler: Handler, auth: bool) -> Reply:
        if auth and not self.fake.accepts(request.headers.get("authorization")):
            return Reply(
                401, {"errorMessages": ["Client must be authenticated to access this resource."]}
            )
        try:
            body = json.loads(raw_body) if raw_body else None
        except ValueError:
            return error(400, "Unexpected character in the request body")
        origin = f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"
        try:
            return handler(
                Call(dict(request.path_params), dict(request.query_params), body, origin)
            )
        except JqlError as exc:
            return error(400, str(exc))

    # Site

    def server_info(self, call: Call) -> Reply:
        cloud = self.fake.cloud
        return Reply(
            200,
            {
                "baseUrl": call.base,
                "version": "1001.0.0-SNAPSHOT" if cloud else "9.12.4",
                "versionNumbers": [1001, 0, 0] if cloud else [9, 12, 4],
                "deploymentType": "Cloud" if cloud else "Server",
                "buildNumber": 100290,
                "serverTitle": "Fake Jira",
            },
        )

    def myself(self, call: Call) -> Reply:
        user = user_json("Followthrough Bot", cloud=self.fake.cloud)
        email = self.fake.email if self.fake.cloud else "bot@example.com"
        return Reply(
            200, {**user, "emailAddress": email, "timeZone": self.fake.zone.key, "locale": "en_US"}
        )

    def fields(self, call: Call) -> Reply:
        def custom(field_id: str, name: str) -> dict[str, Any]:
            number = field_id.rpartition("_")[2]
            return {
                "id": field_id,
                "name": name,
                "custom": True,
                "clauseNames": [f"cf[{number}]", name],
            }

        system = [
            {"id": name, "name": name.title(), "custom": False, "clauseNames": [name]}
            for name in (
                "summary",
                "description",
                "status",
                "resolution",
                "labels",
                "duedate",
                "updated",
            )
        ]
        return Reply(
            200, [*system, custom(FLAGGED_FIELD, "Flagged"), custom(TYPE_FIELD, TYPE_FIELD_NAME)]
        )

    def statuses(self, call: Call) -> Reply:
        return Reply(200, [status_json(status) for status in STATUSES])

    def project(self, call: Call) -> Reply:
        """A project that has issues, unless the caller may not see it (Jira's 404 either way)."""
        key = str(call.params["key"]).upper()
        known = {issue.project for issue in self.fake.issues.values()}
        if key not in known or not self.fake.can_see(key):
            return error(404, f"No project could be found with key '{key}'.")
        project_id = str(10_000 + sorted(known).index(key))
        return Reply(200, {"id": project_id, "key": key, "name": f"{key.title()} project"})

    # Search

    def search_jql(self, call: Call) -> Reply:
        if not self.fake.cloud:
            return error(404, "null for uri: /rest/api/2/search/jql")
        query = self._query(call.query.get("jql", ""), lenient=False)
        wanted = _fields(call.query.get("fields"), default={"id"})
        listing = self._matching(query)
        after = _decode(call.query.get("nextPageToken"))
        if after is not None:
            listing = [issue for issue in listing if _position(issue, query) > after]
        size = self._page_size(call.query.get("maxResults"), wanted, default=50)
        page, rest = listing[:size], listing[size:]
        data: dict[str, Any] = {
            "issues": [self._render(issue, call.base, wanted) for issue in page],
            "isLast": not rest,
        }
        if rest:
            data["nextPageToken"] = _encode(_position(page[-1], query))
        return self._listed(data)

    def search(self, call: Call) -> Reply:
        if self.fake.cloud:
            return error(
                410,
                "The requested API has been removed. Please migrate to the "
                "/rest/api/3/search/jql API. A full migration guideline is available at "
                "https://developer.atlassian.com/changelog/#CHANGE-2046",
            )
        lenient = call.query.get("validateQuery", "strict").lower() in ("warn", "none", "false")
        query = self._query(call.query.get("jql", ""), lenient=lenient)
        wanted = _fields(call.query.get("fields"), default=None)
        listing = self._matching(query)
        start = _int(call.query.get("startAt"), 0)
        size = self._page_size(call.query.get("maxResults"), wanted, default=50)
        page = listing[start : start + size]
        expand = "changelog" in (call.query.get("expand") or "").split(",")
        issues = [self._render(issue, call.base, wanted, changelog=expand) for issue in page]
        data = {"startAt": start, "maxResults": size, "total": len(listing), "issues": issues}
        return self._listed(data)

    # Issues

    def issue(self, call: Call) -> Reply:
        found = self._issue(call)
        if isinstance(found, Reply):
            return found
        return Reply(
            200, self._render(found, call.base, _fields(call.query.get("fields"), default=None))
        )

    def issue_bulkfetch(self, call: Call) -> Reply:
        if not self.fake.cloud:
            return error(404, "null for uri: /rest/api/2/issue/bulkfetch")
        body = call.body if isinstance(call.body, dict) else {}
        ids = body.get("issueIdsOrKeys")
        if not isinstance(ids, list) or not 0 < len(ids) <= 100:
            return error(400, "issueIdsOrKeys must hold 1 to 100 issue ids or keys.")
        wanted = set(body.get("fields") or ["*navigable"])
        issues, missing = [], []
        for ref in ids:
            issue = self._find(str(ref))
            if issue is None:
                missing.append(str(ref))
            else:
                issues.append(
                    self._render(issue, call.base, None if "*navigable" in wanted else wanted)
                )
        errors = (
            [{"issueIdsOrKeys": missing, "status": 404, "errorMessages": ["Issue does not exist"]}]
            if missing
            else []
        )
        return Reply(200, {"expand": "", "issues": issues, "issueErrors": errors})

    def changelog_bulkfetch(self, call: Call) -> Reply:
        if not self.fake.cloud or not self.fake.changelog_bulkfetch:
            return error(404, "null for uri: /rest/api/3/changelog/bulkfetch")
        body = call.body if isinstance(call.body, dict) else {}
        ids = body.get("issueIdsOrKeys")
        if not isinstance(ids, list) or not 0 < len(ids) <= 1000:
            return error(400, "issueIdsOrKeys must hold 1 to 1000 issue ids or keys.")
        field_ids = set(body.get("fieldIds") or [])
        entries: list[tuple[str, dict[str, Any]]] = []
        for ref in ids:
            issue = self._find(str(ref))
            if issue is None:
                continue
            for history in issue.histories:
                items = [i for i in history["items"] if not field_ids or i["fieldId"] in field_ids]
                if items:
                    entries.append((issue.id, {**self._history(history), "items": items}))
        start = _int(_decode_text(body.get("nextPageToken")), 0)
        size = min(_int(str(body.get("maxResults", 1000)), 1000), self.fake.changelog_page)
        page = entries[start : start + size]
        logs: dict[str, list[dict[str, Any]]] = {}
        for issue_id, entry in page:
            logs.setdefault(issue_id, []).append(entry)
        data: dict[str, Any] = {
            "issueChangeLogs": [{"issueId": i, "changeHistories": h} for i, h in logs.items()]
        }
        if start + size < len(entries):
            data["nextPageToken"] = _encode_text(str(start + size))
        return Reply(200, data)

    def changelog(self, call: Call) -> Reply:
        found = self._issue(call)
        if isinstance(found, Reply):
            return found
        values = [self._history(h) for h in found.histories]
        return self._offset_page(call, values, "values", is_last=True)

    def comments(self, call: Call) -> Reply:
        found = self._issue(call)
        if isinstance(found, Reply):
            return found
        values = [comment_json(c, self.fake.zone, cloud=self.fake.cloud) for c in found.comments]
        return self._offset_page(call, values, "comments", is_last=False)

    # Helpers

    def _query(self, jql: str, *, lenient: bool) -> Query:
        query = parse(jql, self.fake.zone)
        if not lenient:
            unknown = sorted(i for i in query.ids if self._find(i) is None)
            if unknown:
                raise JqlError(f"An issue with key '{unknown[0]}' does not exist for field 'id'.")
        return query

    def _matching(self, query: Query) -> list[FakeJiraIssue]:
        now = self.fake.now
        found = [
            issue
            for issue in self.fake.issues.values()
            if issue.readable()
            and self.fake.can_see(issue.project)
            and (issue.visible_from is None or issue.visible_from <= now)
            and query.matches(issue)
        ]
        found.sort(key=lambda issue: _position(issue, query))
        return found

    def _page_size(self, asked: str | None, wanted: set[str] | None, *, default: int) -> int:
        cap = ID_ONLY_PAGE if wanted is not None and wanted <= {"id", "key"} else self.fake.max_page
        return max(1, min(_int(asked, default), cap))

    def _listed(self, data: dict[str, Any]) -> Reply:
        self.list_pages += 1
        return Reply(200, data, list_page=self.list_pages)

    def _render(
        self, issue: FakeJiraIssue, base: str, wanted: set[str] | None, *, changelog: bool = False
    ) -> dict[str, Any]:
        fake = self.fake
        raw = issue.raw(base, fake.zone, wanted, cloud=fake.cloud, comment_cap=fake.comment_cap)
        if changelog:
            histories = [self._history(h) for h in issue.histories]
            raw["changelog"] = {
                "startAt": 0,
                "maxResults": len(histories),
                "total": len(histories),
                "histories": histories,
            }
        return raw

    def _history(self, history: dict[str, Any]) -> dict[str, Any]:
        return {**history, "created": stamp(history["created"], self.fake.zone)}

    def _find(self, ref: str) -> FakeJiraIssue | None:
        issue = self.fake.issues.get(ref)
        if issue is not None:
            return issue if issue.readable() else None
        return self.fake.by_key(ref.upper())

    def _issue(self, call: Call) -> FakeJiraIssue | Reply:
        issue = self._find(str(call.params["id"]))
        if issue is None:
            return error(404, "Issue does not exist or you do not have permission to see it.")
        return issue

    def _offset_page(
        self, call: Call, values: Sequence[dict[str, Any]], key: str, *, is_last: bool
    ) -> Reply:
        start = _int(call.query.get("startAt"), 0)
        size = max(1, min(_int(call.query.get("maxResults"), 100), 100))
        page = list(values[start : start + size])
        data: dict[str, Any] = {
            "startAt": start,
            "maxResults": size,
            "total": len(values),
            key: page,
        }
        if is_last:
            data["isLast"] = start + size >= len(values)
        return Reply(200, data)


def _position(issue: FakeJiraIssue, query: Query) -> list[Any]:
    """The issue's sort key under the query's ORDER BY (then id), JSON-encodable."""
    key: list[Any] = []
    for name, descending in query.order or (("key", True),):
        if name in ("updated", "created"):
            value: Any = int(getattr(issue, name).timestamp() * 1000)
            key.append(-value if descending else value)
        elif name == "key":
            key.append([issue.project, -issue.number if descending else issue.number])
        else:
            key.append(-int(issue.id) if descending else int(issue.id))
    key.append(int(issue.id))
    return key


def _fields(text: str | None, *, default: set[str] | None) -> set[str] | None:
    """The requested field names; None means every field (`*all`, `*navigable`)."""
    if text is None or not text.strip():
        return default
    names = {name.strip() for name in text.split(",") if name.strip()}
    return None if names & {"*all", "*navigable"} else names


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _encode(position: list[Any]) -> str:
    return _encode_text(json.dumps(position))


def _decode(token: str | None) -> list[Any] | None:
    text = _decode_text(token)
    return json.loads(text) if text else None


def _encode_text(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def _decode_text(token: object) -> str | None:
    if not isinstance(token, str) or not token:
        return None
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        raise JqlError("The provided next page token is invalid or expired.") from None


def _fault_response(fault: Fault) -> tuple[int, bytes, str | None, dict[str, str]]:
    """An injected answer: the given body verbatim, or Jira's error JSON for the status."""
    body = json.dumps(error(fault.status).data) if fault.body is None else fault.body
    media = "text/html;charset=UTF-8" if body.lstrip().startswith("<") else JSON_TYPE
    return fault.status, body.encode(), media, dict(fault.headers)


def build_app(fake: FakeJira) -> Starlette:
    """The ASGI app serving `fake` at the site root."""
    return Starlette(routes=Api(fake).routes())
