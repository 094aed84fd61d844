"""The fake Linear's HTTP face: one pragmatic GraphQL endpoint at `POST /graphql`.

It answers the operations the Linear connector sends, matched by their root field
(`issues(…)` or `issue(id: …)`) and the literal arguments in the document
(`orderBy`, `includeArchived`, the nested `history`/`comments` page sizes), reading
`filter`, `first`, `after` and `id` from the variables. It is not a GraphQL engine: an
argument or filter field it does not know is a validation error, so the connector cannot
send something the fake silently ignores. Auth, faults and the request log come from
`Traffic`.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connectors.testing.faults import Answer, FaultAction, deliver, recorded_status
from connectors.testing.linear_model import (
    JSON,
    FakeLinearIssue,
    FakeState,
    comment_json,
    history_node,
    issue_json,
    stable_id,
)

if TYPE_CHECKING:
    from connectors.testing.linear import FakeLinear

MAX_FIRST = 250
JSON_TYPE = "application/json; charset=utf-8"
_OPERATION = re.compile(r"\b(?:query|mutation)\s+(\w+)")
_ORDER_BY = re.compile(r"\borderBy:\s*(\w+)")
_INCLUDE_ARCHIVED = re.compile(r"\bincludeArchived:\s*(true|false)")
NESTED = ("history", "comments")
STRING_OPERATORS: Mapping[str, Callable[[str, Any], bool]] = {
    "eq": lambda value, arg: value == arg,
    "neq": lambda value, arg: value != arg,
    "in": lambda value, arg: value in arg,
    "nin": lambda value, arg: value not in arg,
    "eqIgnoreCase": lambda value, arg: value.casefold() == str(arg).casefold(),
    "neqIgnoreCase": lambda value, arg: value.casefold() != str(arg).casefold(),
}
TIME_OPERATORS: Mapping[str, Callable[[datetime, datetime], bool]] = {
    "eq": lambda value, arg: value == arg,
    "gt": lambda value, arg: value > arg,
    "gte": lambda value, arg: value >= arg,
    "lt": lambda value, arg: value < arg,
    "lte": lambda value, arg: value <= arg,
}


PROBE = FakeLinearIssue(
    id="probe",
    team="PROBE",
    number=0,
    title="",
    description="",
    state=FakeState("probe", "Todo", "unstarted"),
    created_at=datetime(2000, 1, 1, tzinfo=UTC),
    updated_at=datetime(2000, 1, 1, tzinfo=UTC),
    labels=["probe"],
)
"""An issue no filter should mind, checked first so a bad filter is always refused."""


class QueryError(Exception):
    """The request is not one Linear would accept: answered 400 with a GraphQL error."""


def build_app(fake: FakeLinear) -> Starlette:
    async def graphql(request: Request) -> Response:
        body = await request.body()
        return answer(fake, body, request.headers.get("authorization"))

    return Starlette(routes=[Route("/graphql", graphql, methods=["POST"])])


def answer(fake: FakeLinear, body: bytes, authorization: str | None) -> Response:
    """One GraphQL request: a queued fault, else the auth check, else the query's data."""
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    payload = payload if isinstance(payload, dict) else {}
    query = payload.get("query")
    document = query if isinstance(query, str) else ""
    named = _OPERATION.search(document)
    operation = str(payload.get("operationName") or (named.group(1) if named else ""))
    target = f"/graphql?operation={operation}"
    with fake.lock:
        fault = fake.take_fault(target)
        action = fault.action if fault is not None else None
        if fault is not None and fault.action is FaultAction.ANSWER:
            text = fault.body
            if text is None:
                text = _errors(f"injected HTTP {fault.status}", "INTERNAL_SERVER_ERROR")
            media = "text/html; charset=utf-8" if text.lstrip().startswith("<") else JSON_TYPE
            answer = Answer(fault.status, text.encode(), media, dict(fault.headers))
        elif fault is not None and fault.replay is not None:
            answer = fault.replay
        else:
            refusal = _refusal(fake, authorization)
            if refusal is not None:
                status, text = 400, _errors(refusal, "AUTHENTICATION_ERROR", "authentication error")
            else:
                status, text = _execute(fake, document, payload.get("variables"))
            answer = Answer(status, text.encode(), JSON_TYPE, {})
            if fault is None and status == 200:
                fake.remember(target, answer)
        status = recorded_status(action, answer)
        variables = json.dumps(payload.get("variables"), sort_keys=True)
        asked = {"operation": operation, "auth": _auth_form(authorization), "variables": variables}
        fake.record("POST", "/graphql", asked, status, None)
        if fault is None and status == 200 and _ORDER_BY.search(document):
            fake.list_pages += 1
            if fake.on_list_page is not None:
                fake.on_list_page(fake.list_pages)
    return deliver(action, answer, seconds=fault.seconds if fault is not None else 0.0)


def _execute(fake: FakeLinear, document: str, variables: object) -> tuple[int, str]:
    values = variables if isinstance(variables, dict) else {}
    try:
        if re.search(r"\bissues\(", document):
            data: JSON = {"issues": _issues(fake, document, values)}
        elif re.search(r"\bissue\(id:", document):
            data = {"issue": _issue(fake, document, values)}
        elif re.search(r"\bteams\(", document):
            data = {"teams": {"nodes": _teams(fake, values.get("filter") or {})}}
        elif re.search(r"\bviewer\b", document):
            data = {"viewer": {"id": stable_id("user", fake.viewer), "name": fake.viewer}}
        else:
            raise QueryError(
                "unsupported query: the fake answers issues, issue(id:), teams and viewer"
            )
    except QueryError as exc:
        return 400, _errors(str(exc), "GRAPHQL_VALIDATION_FAILED", "invalid input")
    if data.get("issue", True) is None:
        return 200, json.dumps(
            {"data": data, "errors": [_error("Entity not found: Issue", "INVALID_INPUT")]}
        )
    return 200, json.dumps({"data": data})


def _issues(fake: FakeLinear, document: str, values: Mapping[str, Any]) -> JSON:
    """The `issues` connection: filter, order, archived issues, keyset paging."""
    first = values.get("first", 50)
    if not isinstance(first, int) or not 0 < first <= MAX_FIRST:
        raise QueryError(f"first: expected 1 to {MAX_FIRST}, got {first!r}")
    archived = _INCLUDE_ARCHIVED.search(document)
    include_archived = archived is not None and archived.group(1) == "true"
    order = _ORDER_BY.search(document)
    order_by = order.group(1) if order else "createdAt"
    if order_by not in ("createdAt", "updatedAt"):
        raise QueryError(f"orderBy: unknown value {order_by!r}")
    issue_filter = values.get("filter") or {}
    _matches(PROBE, issue_filter)  # refuse a bad filter even when no issue is there to test
    found = [
        issue
        for issue in fake.issues()
        if (include_archived or issue.archived_at is None)
        and fake.can_see(issue.team)
        and _matches(issue, issue_filter)
    ]

    def position(issue: FakeLinearIssue) -> str:
        moment = issue.updated_at if order_by == "updatedAt" else issue.created_at
        return f"{moment.isoformat()}|{issue.id}"

    found.sort(key=position, reverse=True)  # newest first: the schema offers no direction
    after = values.get("after")
    if after is not None:
        anchor = _decode(after)
        found = [issue for issue in found if position(issue) < anchor]
    page = found[:first]
    end = _encode(position(page[-1])) if page else None
    return {
        "pageInfo": {"hasNextPage": len(found) > first, "endCursor": end},
        "nodes": [_node(fake, issue, document, None) for issue in page],
    }


def _issue(fake: FakeLinear, document: str, values: Mapping[str, Any]) -> JSON | None:
    """One issue by id (archived and trashed too; purged ones are not found)."""
    issue = fake.find(values.get("id"))
    return _node(fake, issue, document, values.get("after")) if issue else None


def _teams(fake: FakeLinear, team_filter: object) -> list[JSON]:
    """The teams whose key passes the TeamFilter `{key: <comparator>}`."""
    if not isinstance(team_filter, Mapping) or set(team_filter) != {"key"}:
        raise QueryError("filter: the fake filters teams by {key: …} only")
    return [
        {"id": stable_id("team", key), "key": key}
        for key in fake.team_keys()
        if _compare(key, team_filter["key"], "key") and fake.can_see(key)
    ]


def _node(fake: FakeLinear, issue: FakeLinearIssue, document: str, after: object) -> JSON:
    """The issue's JSON plus the nested `history`/`comments` connection the document asks."""
    blockers = [b for b in map(fake.find, issue.blocked_by) if b is not None]
    node = issue_json(issue, blockers)
    for connection in NESTED:
        asked = re.search(rf"\b{connection}\(first:\s*(\d+)", document)
        if asked is None:
            continue
        entries = (
            [history_node(e) for e in issue.history]
            if connection == "history"
            else [comment_json(c) for c in issue.comments]
        )
        start = int(_decode(after).rpartition(":")[2]) if isinstance(after, str) else 0
        size = int(asked.group(1))
        chunk = entries[start : start + size]
        more = start + size < len(entries)
        node[connection] = {
            "pageInfo": {
                "hasNextPage": more,
                "endCursor": _encode(f"{issue.id}:{start + len(chunk)}") if chunk else None,
            },
            "nodes": chunk,
        }
    return node


def _matches(issue: FakeLinearIssue, issue_filter: object) -> bool:
    """Whether an issue passes an IssueFilter (the subset the connector uses). Every field is
    checked, so an unsupported one is refused even when an earlier one already fails."""
    if not isinstance(issue_filter, Mapping):
        raise QueryError("filter: expected an object")
    return all([_field_matches(issue, name, condition) for name, condition in issue_filter.items()])


def _field_matches(issue: FakeLinearIssue, name: str, condition: Any) -> bool:
    if name == "and":
        return all([_matches(issue, part) for part in condition])
    if name == "or":
        return any([_matches(issue, part) for part in condition])
    if name == "id":
        return _compare(issue.id, condition, "id")
    if name == "updatedAt":
        return _compare_time(issue.updated_at, condition)
    if name == "team":
        return _nested(condition, "team", "key", lambda c: _compare(issue.team, c, "team.key"))
    if name == "labels":
        return _labels(issue.labels, condition)
    raise QueryError(f"filter: field {name!r} is not supported by the fake")


def _labels(labels: list[str], condition: object) -> bool:
    if not isinstance(condition, Mapping) or set(condition) - {"some", "every"}:
        raise QueryError("filter.labels: expected {some: …} or {every: …}")

    def one(label: str, part: object) -> bool:
        return _nested(part, "labels", "name", lambda c: _compare(label, c, "labels.name"))

    if "some" in condition and not any(one(label, condition["some"]) for label in labels):
        return False
    return "every" not in condition or all(one(label, condition["every"]) for label in labels)


def _nested(condition: object, where: str, field: str, test: Callable[[object], bool]) -> bool:
    if not isinstance(condition, Mapping) or set(condition) != {field}:
        raise QueryError(f"filter.{where}: expected {{{field}: …}}")
    return test(condition[field])


def _compare(value: str, condition: object, where: str) -> bool:
    if not isinstance(condition, Mapping) or not condition:
        raise QueryError(f"filter.{where}: expected a comparator object")
    passed = True
    for operator, argument in condition.items():
        test = STRING_OPERATORS.get(operator)
        if test is None:
            raise QueryError(f"filter.{where}: unsupported comparator {operator!r}")
        if operator in ("in", "nin") and not isinstance(argument, list):
            raise QueryError(f"filter.{where}.{operator}: expected a list")
        passed = passed and test(value, argument)
    return passed


def _compare_time(value: datetime, condition: object) -> bool:
    if not isinstance(condition, Mapping) or not condition:
        raise QueryError("filter.updatedAt: expected a comparator object")
    passed = True
    for operator, argument in condition.items():
        test = TIME_OPERATORS.get(operator)
        if test is None:
            raise QueryError(f"filter.updatedAt: unsupported comparator {operator!r}")
        try:
            moment = datetime.fromisoformat(str(argument).replace("Z", "+00:00"))
        except ValueError:
            raise QueryError(f"filter.updatedAt.{operator}: not a DateTime") from None
        if moment.tzinfo is None:
            raise QueryError(f"filter.updatedAt.{operator}: a DateTime needs an offset")
        passed = passed and test(value, moment)
    return passed


def _refusal(fake: FakeLinear, authorization: str | None) -> str | None:
    """Why Linear would refuse this `Authorization` header, or None to accept it."""
    header = (authorization or "").strip()
    if not header:
        return "Authentication required, not authenticated"
    scheme, _, rest = header.partition(" ")
    if scheme.lower() == "bearer":
        token = rest.strip()
        if token.startswith("lin_api_"):
            return (
                "It looks like you're trying to use an API key as a Bearer token. "
                "Remove the Bearer prefix from the Authorization header."
            )
        return None if token in fake.oauth_tokens else "Authentication required, not authenticated"
    return None if header in fake.api_keys else "Authentication required, not authenticated"


def _auth_form(authorization: str | None) -> str:
    """How a request authenticated (`api-key`, `bearer` or `none`), never the secret."""
    header = (authorization or "").strip()
    if not header:
        return "none"
    return "bearer" if header.lower().startswith("bearer ") else "api-key"


def _error(message: str, code: str, kind: str | None = None) -> JSON:
    extensions: JSON = {"code": code, "userPresentableMessage": message}
    if kind:
        extensions["type"] = kind
    return {"message": message, "extensions": extensions}


def _errors(message: str, code: str, kind: str | None = None) -> str:
    return json.dumps({"data": None, "errors": [_error(message, code, kind)]})


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def _decode(cursor: object) -> str:
    try:
        return base64.urlsafe_b64decode(str(cursor).encode()).decode()
    except ValueError:
        raise QueryError(f"after: not a cursor this server issued: {cursor!r}") from None
