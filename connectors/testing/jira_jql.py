"""The JQL subset the fake Jira understands: exactly what the connector sends.

`labels = "x"`, `project = P` / `project in (P, Q)`, `id in (1, 2)` / `id = 1`,
`key in (…)`, `updated >= "yyyy/MM/dd HH:mm"` (or `created >=`, read in the API user's
time zone, as Jira does), clauses joined by AND and grouped by parentheses, then
`ORDER BY field [ASC|DESC], …`. Anything else raises `JqlError` with a Jira-like
message, which the HTTP layer answers with 400 and `errorMessages`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from connectors.testing.jira_model import FakeJiraIssue

_TOKEN = re.compile(
    r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<op>>=|<=|!=|=|>|<)|(?P<punct>[(),])'
    r"|(?P<word>[A-Za-z0-9_.\-]+))"
)
_DATE_FORMATS = ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")
SORTABLE = frozenset({"updated", "created", "key", "id"})

Predicate = Callable[[FakeJiraIssue], bool]


class JqlError(ValueError):
    """A query the fake (like Jira) refuses; the message is Jira's kind of wording."""


@dataclass(frozen=True)
class Query:
    """A parsed query: which issues match, how they sort, and the ids it names."""

    matches: Predicate
    order: tuple[tuple[str, bool], ...]
    """(field, descending) pairs."""
    ids: frozenset[str]


def parse(text: str, zone: ZoneInfo) -> Query:
    """Parse `text`; dates are read in `zone` (the API user's profile time zone)."""
    tokens = _tokens(text)
    parser = _Parser(tokens, zone)
    return parser.query()


def _tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise JqlError(
                "Error in the JQL Query: the character "
                f"'{text[position]}' is a reserved JQL character."
            )
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], zone: ZoneInfo) -> None:
        self.tokens = tokens
        self.position = 0
        self.zone = zone
        self.ids: set[str] = set()

    def query(self) -> Query:
        matches: Predicate = lambda issue: True  # noqa: E731
        if self._peek() and not self._is_word("ORDER"):
            matches = self._expression()
        order: list[tuple[str, bool]] = []
        if self._is_word("ORDER"):
            self._next()
            self._expect_word("BY")
            order.append(self._sort())
            while self._peek() == ("punct", ","):
                self._next()
                order.append(self._sort())
        extra = self._peek()
        if extra is not None:
            raise JqlError(
                f"Error in the JQL Query: Expecting either 'OR' or 'AND' but got '{extra[1]}'."
            )
        return Query(matches, tuple(order), frozenset(self.ids))

    def _expression(self) -> Predicate:
        terms = [self._term()]
        while self._is_word("AND"):
            self._next()
            terms.append(self._term())
        if self._is_word("OR"):
            raise JqlError("Error in the JQL Query: the fake Jira does not support OR.")
        return lambda issue: all(term(issue) for term in terms)

    def _term(self) -> Predicate:
        if self._peek() == ("punct", "("):
            self._next()
            inner = self._expression()
            if self._next() != ("punct", ")"):
                raise JqlError("Error in the JQL Query: Expecting ')' before the end of the query.")
            return inner
        kind, field = self._next()
        if kind != "word":
            raise JqlError(f"Error in the JQL Query: Expecting a field name but got '{field}'.")
        name = field.lower()
        if self._is_word("IN"):
            self._next()
            values = self._list()
            return self._membership(name, values)
        op_kind, op = self._next()
        if op_kind != "op":
            raise JqlError(
                f"Error in the JQL Query: Expecting an operator after '{field}' but got '{op}'."
            )
        value = self._value()
        if op == "=" and name in ("project", "id", "key"):
            return self._membership(name, [value])
        if op == "=" and name == "labels":
            wanted = value.casefold()
            return lambda issue: any(label.casefold() == wanted for label in issue.labels)
        if op == ">=" and name in ("updated", "created"):
            moment = self._date(value)
            return lambda issue: getattr(issue, name) >= moment
        raise JqlError(f"Field '{field}' with operator '{op}' is not supported by the fake Jira.")

    def _membership(self, name: str, values: Sequence[str]) -> Predicate:
        if name == "project":
            projects = {v.upper() for v in values}
            return lambda issue: issue.project in projects
        if name == "id":
            self.ids.update(values)
            ids = set(values)
            return lambda issue: issue.id in ids
        if name in ("key", "issuekey"):
            keys = {v.upper() for v in values}
            return lambda issue: issue.key in keys
        raise JqlError(f"Field '{name}' does not exist or you do not have permission to view it.")

    def _list(self) -> list[str]:
        if self._next() != ("punct", "("):
            raise JqlError("Error in the JQL Query: Expecting '(' after IN.")
        values = [self._value()]
        while self._peek() == ("punct", ","):
            self._next()
            values.append(self._value())
        if self._next() != ("punct", ")"):
            raise JqlError("Error in the JQL Query: Expecting ')' to close the list.")
        return values

    def _value(self) -> str:
        kind, text = self._next()
        if kind == "string":
            return re.sub(r"\\(.)", r"\1", text[1:-1])
        if kind == "word":
            return text
        raise JqlError(f"Error in the JQL Query: Expecting a value but got '{text}'.")

    def _sort(self) -> tuple[str, bool]:
        kind, field = self._next()
        if kind != "word" or field.lower() not in SORTABLE:
            raise JqlError(f"Not able to sort using field '{field}'.")
        descending = False
        if self._is_word("ASC") or self._is_word("DESC"):
            descending = self._next()[1].upper() == "DESC"
        return field.lower(), descending

    def _date(self, text: str) -> datetime:
        for form in _DATE_FORMATS:
            try:
                return datetime.strptime(text, form).replace(tzinfo=self.zone)
            except ValueError:
                continue
        raise JqlError(
            f"Date value '{text}' for field 'updated' is invalid. Valid formats include: "
            "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', "
            "or a period format."
        )

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _next(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            raise JqlError("Error in the JQL Query: The query ended unexpectedly.")
        self.position += 1
        return token

    def _is_word(self, word: str) -> bool:
        token = self._peek()
        return token is not None and token[0] == "word" and token[1].upper() == word

    def _expect_word(self, word: str) -> None:
        if not self._is_word(word):
            raise JqlError(f"Error in the JQL Query: Expecting '{word}'.")
        self._next()
