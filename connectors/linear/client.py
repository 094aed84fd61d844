"""Linear's GraphQL API: the queries the connector sends, their paging, and error handling.

Every request goes through the project's one retry policy; each answer is classified by
`connectors.retry` (HTTP status and headers, then any GraphQL `errors`, which are a
failure even on HTTP 200) and counted with `Context.on_request` (0 when no answer came).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.base import Context
from connectors.errors import (
    AuthError,
    BadResponse,
    ConfigError,
    ConnectorError,
    PaginationLoop,
    RateLimited,
    ResponseTooLarge,
    Retryable,
)
from connectors.linear.config import LinearConfig
from connectors.linear.http import HttpReply, HttpSession, TransportFailure
from connectors.retry import RetryPolicy, classify_graphql_errors, classify_response

Node = Mapping[str, Any]

ISSUE_FIELDS = """
      id identifier title description url priority priorityLabel previousIdentifiers
      createdAt updatedAt completedAt canceledAt archivedAt trashed dueDate
      state { name type }
      team { key }
      assignee { name displayName }
      labels(first: 20) { nodes { name } }
      inverseRelations(first: 20) { nodes { type issue { identifier state { type } } } }"""
HISTORY_FIELDS = """
        createdAt
        fromState { name type } toState { name type }
        fromAssigneeId toAssigneeId
        fromAssignee { name displayName } toAssignee { name displayName }
        fromDueDate toDueDate"""
COMMENT_FIELDS = "id body createdAt user { name displayName }"
SCOPE_FIELDS = "id identifier trashed team { key } labels(first: 50) { nodes { name } }"

NESTED_FIRST = 50
"""Entries of a nested connection (history, comments) fetched with each batched issue."""
NESTED_NEXT = 100
"""Entries per follow-up request for the rare issue with more than `NESTED_FIRST`."""


@dataclass(frozen=True)
class Operation:
    """One named GraphQL document; the name travels as `operationName`."""

    name: str
    document: str


LIST_ISSUES = Operation(
    "ActionItems",
    f"""query ActionItems($filter: IssueFilter!, $first: Int!, $after: String) {{
  issues(filter: $filter, first: $first, after: $after, orderBy: updatedAt,
         includeArchived: true) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{{ISSUE_FIELDS}
    }}
  }}
}}""",
)
ISSUE_SCOPES = Operation(
    "ReconcileIssues",
    f"""query ReconcileIssues($filter: IssueFilter!, $first: Int!) {{
  issues(filter: $filter, first: $first, includeArchived: true) {{
    nodes {{ {SCOPE_FIELDS} }}
  }}
}}""",
)
TEAM_BY_KEY = Operation(
    "TeamByKey",
    """query TeamByKey($filter: TeamFilter!) {
  teams(filter: $filter) { nodes { id key } }
}""",
)


@dataclass(frozen=True)
class Nested:
    """A connection under each issue (history, comments), fetched for a batch of issues at
    once and paged further only for the issues that have more."""

    connection: str
    batch: Operation
    follow: Operation

    @classmethod
    def of(cls, connection: str, operation: str, fields: str) -> Nested:
        batch = Operation(
            operation,
            f"""query {operation}($filter: IssueFilter!, $first: Int!) {{
  issues(filter: $filter, first: $first, includeArchived: true) {{
    nodes {{
      id
      {connection}(first: {NESTED_FIRST}) {{
        pageInfo {{ hasNextPage endCursor }}
        nodes {{{fields}
        }}
      }}
    }}
  }}
}}""",
        )
        follow = Operation(
            f"{operation}Page",
            f"""query {operation}Page($id: String!, $after: String) {{
  issue(id: $id) {{
    id
    {connection}(first: {NESTED_NEXT}, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{{fields}
      }}
    }}
  }}
}}""",
        )
        return cls(connection, batch, follow)


HISTORY = Nested.of("history", "IssueHistory", HISTORY_FIELDS)
COMMENTS = Nested.of("comments", "IssueComments", COMMENT_FIELDS)


@dataclass(frozen=True)
class Connection:
    """One page of a GraphQL connection."""

    nodes: list[Node]
    has_next: bool
    end_cursor: str | None


class LinearClient:
    """GraphQL requests against one Linear endpoint, retried, classified and counted."""

    def __init__(self, config: LinearConfig, context: Context) -> None:
        self._context = context
        self._api_key = config.is_api_key
        self._retry = RetryPolicy(sleep=context.sleep, clock=context.clock)
        self._http = HttpSession(config.endpoint, config.authorization())

    def query(self, operation: Operation, variables: Mapping[str, Any], *, what: str) -> Node:
        """The `data` of one query, after retries; raises the classified error otherwise."""
        payload = {
            "query": operation.document,
            "variables": dict(variables),
            "operationName": operation.name,
        }
        return self._retry.call(lambda: self._once(payload, what))

    def issues(
        self, issue_filter: Mapping[str, Any], *, first: int, after: str | None, what: str
    ) -> Connection:
        """One page of the label-filtered listing, newest `updatedAt` first."""
        variables = {"filter": issue_filter, "first": first, "after": after}
        data = self.query(LIST_ISSUES, variables, what=what)
        return _connection(data.get("issues"), f"{what}: issues")

    def by_ids(self, operation: Operation, ids: Sequence[str], *, what: str) -> list[Node]:
        """The issues with these ids (archived and trashed included) that still exist."""
        variables = {"filter": {"id": {"in": list(ids)}}, "first": len(ids)}
        data = self.query(operation, variables, what=what)
        return _connection(data.get("issues"), f"{what}: issues").nodes

    def team_exists(self, key: str, *, what: str) -> bool:
        """Whether the credential sees a team with this key."""
        data = self.query(TEAM_BY_KEY, {"filter": {"key": {"eq": key}}}, what=what)
        return bool(_connection(data.get("teams"), f"{what}: teams").nodes)

    def nested(
        self, nested: Nested, ids: Sequence[str], *, what: str
    ) -> Iterator[tuple[str, Node]]:
        """(issue id, entry) for every entry of `nested` under these issues: one request for
        the batch, then follow-up pages only where an issue has more."""
        for issue in self.by_ids(nested.batch, ids, what=what):
            issue_id = _id(issue, what)
            where = f"{what}: issue {issue_id} {nested.connection}"
            page = _connection(issue.get(nested.connection), where)
            followed: set[str] = set()
            while True:
                for entry in page.nodes:
                    yield issue_id, entry
                after = next_cursor(page, followed, where)
                if after is None:
                    break
                data = self.query(nested.follow, {"id": issue_id, "after": after}, what=what)
                again = data.get("issue")
                if not isinstance(again, Mapping):
                    break  # answered null: the issue is gone since the batch request
                page = _connection(again.get(nested.connection), where)

    def close(self) -> None:
        self._http.close()

    def _once(self, payload: Mapping[str, Any], what: str) -> Node:
        try:
            reply = self._http.post_json(payload)
        except TransportFailure as exc:
            self._context.on_request(0)
            raise Retryable(f"{what}: {exc} talking to Linear") from None
        except ResponseTooLarge as exc:
            self._context.on_request(exc.status)
            raise ResponseTooLarge(f"{what}: {exc}", status=exc.status) from None
        self._context.on_request(reply.status)
        body = _json(reply)
        error = self._classify(reply, body, what)
        if error is not None:
            raise error
        if body is None:
            raise BadResponse(
                f"{what}: HTTP {reply.status} without a JSON body (truncated, or an HTML "
                f"page): {_snippet(reply)}"
            )
        data = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(data, Mapping):
            raise BadResponse(
                f"{what}: HTTP {reply.status} without GraphQL data: {_snippet(reply)}"
            )
        return data

    def _classify(self, reply: HttpReply, body: object, what: str) -> ConnectorError | None:
        """The error a reply means: GraphQL `errors` (at any status) first, then the status."""
        now = self._context.clock()
        errors = body.get("errors") if isinstance(body, Mapping) else None
        error: ConnectorError | None = None
        if isinstance(errors, list) and errors:
            error = classify_graphql_errors(errors, now=now, what=what, headers=reply.headers)
        if error is None or (not isinstance(error, RateLimited) and reply.status not in (200, 400)):
            error = classify_response(reply.status, reply.headers, now=now, what=what) or error
        if isinstance(error, AuthError):
            said = _messages(errors)
            refused = self._auth_message(what, reply.status, f"{error} {said}")
            return AuthError(f"{refused} (Linear said: {said})" if said else refused)
        if isinstance(error, BadResponse) and _too_complex(errors):
            return ConfigError(f"{error}; lower the source's page_size")
        return error

    def _auth_message(self, what: str, status: int, detail: str) -> str:
        """Which credential and header form was refused, never the credential itself."""
        lowered = detail.lower()
        if status == 403 or "forbidden" in lowered or "permission" in lowered:
            return (
                f"{what}: access denied by Linear; the credential needs read access "
                "to the workspace and its teams"
            )
        if self._api_key:
            return (
                f"{what}: Linear rejected the personal API key, sent as `Authorization: <key>` "
                "without Bearer as Linear requires; check it is valid and not revoked"
            )
        return (
            f"{what}: Linear rejected the OAuth token, sent as `Authorization: Bearer <token>`; "
            "check it has not expired and has the read scope (a personal API key starts "
            "with lin_api_ and is sent without Bearer)"
        )


def _messages(errors: object) -> str:
    """The GraphQL errors' own messages, shortened (they never carry the credential)."""
    if not isinstance(errors, list):
        return ""
    found = [e.get("message") for e in errors if isinstance(e, Mapping)]
    return "; ".join(m[:120] for m in found if isinstance(m, str) and m)[:240]


def _json(reply: HttpReply) -> object:
    """The parsed body, or None when it is empty or not JSON (an HTML error page)."""
    if not reply.text.strip():
        return None
    try:
        return json.loads(reply.text)
    except ValueError:
        return None


def _too_complex(errors: object) -> bool:
    """Whether a GraphQL error says the query's complexity is over Linear's limit."""
    if not isinstance(errors, list):
        return False
    return any(
        "complex" in f"{error.get('message')} {error.get('extensions')}".lower()
        for error in errors
        if isinstance(error, Mapping)
    )


def _connection(value: object, where: str) -> Connection:
    if not isinstance(value, Mapping):
        raise BadResponse(f"{where}: expected a connection object")
    nodes = value.get("nodes")
    if not isinstance(nodes, list) or not all(isinstance(n, Mapping) for n in nodes):
        raise BadResponse(f"{where}: `nodes` is not a list of objects")
    info = value.get("pageInfo")
    info = info if isinstance(info, Mapping) else {}
    has_next = info.get("hasNextPage") is True
    cursor = info.get("endCursor")
    if has_next and not (isinstance(cursor, str) and cursor):
        raise BadResponse(f"{where}: hasNextPage without an endCursor")
    return Connection(list(nodes), has_next, cursor if isinstance(cursor, str) else None)


def next_cursor(page: Connection, followed: set[str], where: str) -> str | None:
    """The cursor to follow, or None at the end; raises PaginationLoop when it repeats."""
    if not page.has_next or page.end_cursor is None:
        return None
    if page.end_cursor in followed:
        raise PaginationLoop(f"{where}: endCursor repeated: {page.end_cursor}")
    followed.add(page.end_cursor)
    return page.end_cursor


def _id(issue: Node, what: str) -> str:
    value = issue.get("id")
    if not isinstance(value, str) or not value:
        raise BadResponse(f"{what}: an issue without an id")
    return value


def _snippet(reply: HttpReply) -> str:
    text = " ".join(reply.text.split())
    return repr(text[:60]) if text else "(empty)"
