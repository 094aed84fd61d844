"""Title rules: `vague` (a wish, not a task) and `too_large` (several tasks in one).

Both are pure functions of the title, written once as data (prefixes, fragments, counts)
and evaluated two ways from that data: in Python for the flags an item shows, and as SQL
(`LIKE`, `replace`, `length`) for the `flag=` filter, so both databases filter exactly
what the items show. The text is matched lower-cased (ASCII), trimmed and padded with a
space on each side, so " improve" means a title starting with "improve".

- **vague**: starts with a wish ("investigate", "look into", "consider", …); or starts
  with an open-ended verb ("improve", "reduce", "ensure", …) or says an open-ended thing
  anywhere ("more resilient", "safer", "going forward", …) without a measurable target (a
  digit, `%`, `<` or `>`); or has fewer than three words.
- **too_large**: longer than 150 characters; or, after reading `, ; & + then` as "and",
  an "and" followed by a second action verb ("… and update the runbook"); or four or more
  "and"s (a list of things to do).

Tuned on the "tune" half of tests/service/review/titles.tsv; see the README for the
precision and recall on the held-out half.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, or_

STRONG_WISHES = (
    "investigate",
    "look into",
    "look at",
    "consider",
    "explore",
    "think about",
    "research",
    "figure out",
    "brainstorm",
    "discuss",
    "understand",
    "evaluate",
    "revisit",
    "work on",
    "try to",
)
"""Openings that make a title a wish whatever follows."""

OPEN_ENDED_STARTS = (
    "improve",
    "better",
    "enhance",
    "optimize",
    "optimise",
    "reduce",
    "increase",
    "ensure",
    "make sure",
    "more ",
    "strengthen",
    "harden",
    "streamline",
)
"""Openings that are a wish unless the title states a measurable target."""

OPEN_ENDED_PHRASES = (
    " better ",
    " more robust",
    " more reliable",
    " resilient",
    " safer",
    " easier",
    " faster",
    " visibility",
    " somehow",
    " etc",
    " going forward",
    " in general",
    " as needed",
    " if possible",
    " where possible",
    " as appropriate",
    " proper ",
    " properly",
    " happen again",
    " this issue",
    " this incident",
    " earlier",
    " in the future",
    " things",
    " stuff",
)
"""Phrases anywhere in a title that leave it open-ended unless it states a target."""

TARGET_MARKS = (*"0123456789", "%", "<", ">")
"""A measurable target: a number, a percentage or a comparison."""

MIN_WORDS = 3

SEPARATORS = (", ", "; ", " & ", " + ", " then ", " as well as ", " plus ")
"""Read as " and " before counting conjunctions."""

ACTION_VERBS = (
    "add",
    "update",
    "create",
    "write",
    "fix",
    "remove",
    "migrate",
    "document",
    "implement",
    "set",
    "configure",
    "deploy",
    "build",
    "rotate",
    "enable",
    "disable",
    "automate",
    "move",
    "replace",
    "upgrade",
    "audit",
    "train",
    "rewrite",
    "refactor",
    "introduce",
    "define",
    "schedule",
    "run",
    "split",
    "backfill",
    "delete",
    "drop",
    "decommission",
    "retire",
    "enforce",
    "make",
    "patch",
    "investigate",
    "improve",
    "review",
    "standardise",
    "standardize",
    "switch",
)
"""A second task starts when one of these follows an "and"."""

MAX_LENGTH = 150
MAX_ANDS = 3

VAGUE_MESSAGE = "reads as a wish, not a task: name the concrete change and how to tell it is done"
TOO_LARGE_MESSAGE = "several tasks in one: split it so each part can be owned and closed"

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class _Text:
    """Evaluates the rules' primitives on one title in Python."""

    def __init__(self, title: str) -> None:
        self.trimmed = title.strip(" ")
        self.padded = f" {self.trimmed.translate(_ASCII_LOWER)} "
        joined = self.padded
        for separator in SEPARATORS:
            joined = joined.replace(separator, " and ")
        self.joined = joined

    def starts(self, prefixes: tuple[str, ...]) -> bool:
        return any(self.padded.startswith(f" {p}") for p in prefixes)

    def contains(self, fragments: tuple[str, ...]) -> bool:
        return any(fragment in self.padded for fragment in fragments)

    def words(self) -> int:
        return self.trimmed.count(" ") + 1

    def length(self) -> int:
        return len(self.trimmed)

    def more_ands_than(self, limit: int) -> bool:
        return self.joined.count(" and ") > limit

    def and_verb(self) -> bool:
        return any(f" and {verb} " in self.joined for verb in ACTION_VERBS)


class _Sql:
    """The same primitives as SQL over a title column (SQLite and PostgreSQL)."""

    def __init__(self, title: ColumnElement[Any]) -> None:
        self.trimmed = func.trim(title)
        self.padded = literal(" ") + func.lower(self.trimmed) + literal(" ")
        joined: ColumnElement[Any] = self.padded
        for separator in SEPARATORS:
            joined = func.replace(joined, separator, " and ")
        self.joined = joined

    def starts(self, prefixes: tuple[str, ...]) -> ColumnElement[bool]:
        return or_(*(self.padded.like(f" {p}%") for p in prefixes))

    def contains(self, fragments: tuple[str, ...]) -> ColumnElement[bool]:
        return or_(*(self.padded.like(f"%{_escape(f)}%", escape="\\") for f in fragments))

    def words(self) -> ColumnElement[int]:
        return func.length(self.trimmed) - func.length(func.replace(self.trimmed, " ", "")) + 1

    def length(self) -> ColumnElement[int]:
        return func.length(self.trimmed)

    def more_ands_than(self, limit: int) -> ColumnElement[bool]:
        removed = func.length(self.joined) - func.length(func.replace(self.joined, " and ", ""))
        return removed > limit * len(" and ")

    def and_verb(self) -> ColumnElement[bool]:
        return or_(*(self.joined.like(f"% and {verb} %") for verb in ACTION_VERBS))


@lru_cache(maxsize=65536)
def is_vague(title: str) -> bool:
    """A wish rather than a task (see the module docstring for the rule)."""
    t = _Text(title)
    open_ended = t.starts(OPEN_ENDED_STARTS) or t.contains(OPEN_ENDED_PHRASES)
    return (
        t.starts(STRONG_WISHES)
        or (open_ended and not t.contains(TARGET_MARKS))
        or t.words() < MIN_WORDS
    )


@lru_cache(maxsize=65536)
def is_too_large(title: str) -> bool:
    """Several tasks in one (see the module docstring for the rule)."""
    t = _Text(title)
    return t.length() > MAX_LENGTH or t.more_ands_than(MAX_ANDS) or t.and_verb()


def vague_sql(title: ColumnElement[Any]) -> ColumnElement[bool]:
    """`is_vague` in SQL."""
    t = _Sql(title)
    open_ended = or_(t.starts(OPEN_ENDED_STARTS), t.contains(OPEN_ENDED_PHRASES))
    return or_(
        t.starts(STRONG_WISHES),
        and_(open_ended, ~t.contains(TARGET_MARKS)),
        t.words() < MIN_WORDS,
    )


def too_large_sql(title: ColumnElement[Any]) -> ColumnElement[bool]:
    """`is_too_large` in SQL."""
    t = _Sql(title)
    return or_(t.length() > MAX_LENGTH, t.more_ands_than(MAX_ANDS), t.and_verb())


def _escape(fragment: str) -> str:
    return fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
