"""Themes: similar active items from different incidents, e.g. three incidents each asking
for the same missing checkout alert.

A title is normalised to a signature: lower-cased words, plurals and "-ing" stripped, each
word mapped through `SYNONYMS` (5xx/errors → error, alerting/page → alert, p99/slow →
latency, …). Words naming an action (`ACTIONS`: add, remove, fix, …) give the action;
words in the shared vocabulary (`CONCEPTS`: alert, error, rate, runbook, link, …) give the
concepts; any other word of three letters or more that does not start with a digit (so
not a threshold like "30s") is a component (checkout, payment, ledger, postgres). Stop
words and issue keys such as INC-100 are dropped.

Two items are alike when they share a component, their actions agree (equal, or one
states none), and their concepts overlap by a Jaccard ratio of at least
`CONCEPT_THRESHOLD` (0.6). Themes are the connected groups of alike items (single
linkage); only groups spanning two or more incidents are reported, and items without an
incident take no part. Comparisons happen only within a component's block, between
distinct signatures, and a block is a (component, concept) pair, so the work grows with
the variety of titles rather than the square of their number.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

CONCEPT_THRESHOLD = 0.6
MIN_INCIDENTS = 2

SYNONYMS: dict[str, str] = {
    **dict.fromkeys(
        ("5xx", "500", "502", "503", "504", "errors", "failure", "fail", "exception"), "error"
    ),
    **dict.fromkeys(("alerting", "alarm", "page", "paging", "pager"), "alert"),
    **dict.fromkeys(("p99", "p95", "p90", "slow", "slowness", "slowdown"), "latency"),
    **dict.fromkeys(("graph", "panel", "chart"), "dashboard"),
    **dict.fromkeys(("playbook",), "runbook"),
    **dict.fromkeys(("deployment", "release", "rollout"), "deploy"),
    **dict.fromkeys(("revert",), "rollback"),
    **dict.fromkeys(("certificate", "cert", "tls", "ssl"), "certificate"),
    **dict.fromkeys(("saturation", "headroom"), "capacity"),
    **dict.fromkeys(("backoff",), "retry"),
    **dict.fromkeys(("db",), "database"),
    **dict.fromkeys(("create", "introduce", "setup", "implement", "build", "missing"), "add"),
    **dict.fromkeys(("write", "enable", "new"), "add"),
    **dict.fromkeys(("delete", "drop", "disable", "decommission", "retire"), "remove"),
    **dict.fromkeys(("repair", "correct", "resolve"), "fix"),
    **dict.fromkeys(("change", "tune", "adjust", "raise", "lower", "cap", "pin"), "update"),
    **dict.fromkeys(("increase", "reduce"), "update"),
    **dict.fromkeys(("doc",), "document"),
    **dict.fromkeys(("verify",), "test"),
    **dict.fromkeys(("move",), "migrate"),
}
"""Word → canonical word, applied after stemming."""

ACTIONS = frozenset({"add", "remove", "fix", "update", "document", "test", "migrate", "rotate"})
CONCEPTS = frozenset(
    {
        "alert",
        "error",
        "rate",
        "latency",
        "dashboard",
        "runbook",
        "link",
        "deploy",
        "rollback",
        "certificate",
        "capacity",
        "retry",
        "timeout",
        "database",
        "monitor",
        "metric",
        "log",
        "probe",
        "limit",
        "threshold",
        "canary",
        "flag",
        "backup",
        "index",
        "queue",
        "lag",
        "disk",
        "memory",
        "cpu",
        "cache",
        "pool",
        "connection",
        "check",
        "synthetic",
        "health",
        "budget",
        "slo",
        "sla",
        "call",
        "escalation",
        "postmortem",
        "process",
        "review",
        "owner",
        "access",
        "permission",
        "config",
        "quota",
        "load",
        "traffic",
        "replica",
        "failover",
        "replication",
        "circuit",
        "breaker",
        "client",
        "version",
        "fan",
        "out",
        "schema",
        "migration",
        "depth",
        "burn",
        "critical",
        "path",
        "kill",
        "switch",
        "background",
        "job",
        "manual",
        "step",
        "scale",
        "batch",
        "nightly",
        "reviewer",
        "second",
        "game",
        "day",
        "outage",
        "handoff",
        "checklist",
        "expiry",
        "calendar",
        "policy",
        "ingest",
        "endpoint",
        "request",
    }
)
STOP_WORDS = frozenset(
    {
        "the",
        "a",
        "an",
        "for",
        "of",
        "to",
        "in",
        "at",
        "and",
        "or",
        "with",
        "by",
        "from",
        "is",
        "are",
        "be",
        "we",
        "our",
        "when",
        "if",
        "so",
        "that",
        "this",
        "it",
        "up",
        "into",
        "all",
        "any",
        "no",
        "not",
        "should",
        "must",
        "need",
        "service",
        "system",
        "team",
        "per",
        "via",
        "than",
        "over",
        "under",
        "more",
        "less",
        "on",
        "between",
        "exceed",
        "exceeds",
        "before",
        "after",
        "require",
        "ops",
        "pre",
        "why",
        "what",
        "how",
    }
)
_WORD = re.compile(r"[a-z0-9]+")
_REFERENCE = re.compile(r"\b[a-z]+-\d+\b")
"""Issue and incident keys (INC-100, OPS-12) name no component."""


@dataclass(frozen=True)
class Signature:
    """What a title is about: its action (or None), components and concepts."""

    action: str | None
    components: frozenset[str]
    concepts: frozenset[str]


@dataclass(frozen=True)
class ThemeCandidate:
    """An active item as theme detection reads it."""

    id: int
    key: str
    title: str
    incident: str


@dataclass(frozen=True)
class Theme:
    """Alike items from two or more incidents; `label` names the component and concepts."""

    label: str
    components: list[str]
    concepts: list[str]
    incidents: list[str]
    items: list[ThemeCandidate]


def stem(word: str) -> str:
    """Light stemming: "-ing" and plural "-s"/"-es" endings dropped from longer words."""
    if len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses")):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word


def canonical(word: str) -> str:
    """A word as signatures hold it: the synonym of the word or of its stem."""
    if word in SYNONYMS:
        return SYNONYMS[word]
    stemmed = stem(word)
    return SYNONYMS.get(stemmed, stemmed)


def signature(title: str) -> Signature:
    """The action, components and concepts of one title."""
    action: str | None = None
    components: set[str] = set()
    concepts: set[str] = set()
    for raw in _WORD.findall(_REFERENCE.sub(" ", title.lower())):
        word = canonical(raw)
        if word in STOP_WORDS or raw in STOP_WORDS:
            continue
        if word in ACTIONS:
            action = action or word
        elif word in CONCEPTS:
            concepts.add(word)
        elif len(word) >= 3 and not word[0].isdigit():
            components.add(word)
    return Signature(action, frozenset(components), frozenset(concepts))


def alike(a: Signature, b: Signature) -> bool:
    """A shared component, agreeing actions and concepts overlapping by the threshold."""
    if not a.components & b.components:
        return False
    if a.action is not None and b.action is not None and a.action != b.action:
        return False
    union = a.concepts | b.concepts
    if not union:
        return True
    return len(a.concepts & b.concepts) / len(union) >= CONCEPT_THRESHOLD


def themes(candidates: Iterable[ThemeCandidate]) -> list[Theme]:
    """Themes across incidents, most incidents first, then by label."""
    by_signature: dict[Signature, list[ThemeCandidate]] = defaultdict(list)
    for candidate in candidates:
        by_signature[signature(candidate.title)].append(candidate)
    signatures = list(by_signature)
    groups = _Groups(len(signatures))
    blocks: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    for index, found in enumerate(signatures):
        for block in _blocks(found):
            blocks[block].append(index)
    for members in blocks.values():
        for i, j in combinations(members, 2):
            if groups.find(i) != groups.find(j) and alike(signatures[i], signatures[j]):
                groups.join(i, j)
    joined: dict[int, list[int]] = defaultdict(list)
    for index in range(len(signatures)):
        joined[groups.find(index)].append(index)
    found_themes = [
        _theme([signatures[i] for i in members], by_signature)
        for members in joined.values()
        if any(signatures[i].components for i in members)  # a theme names a component
    ]
    reported = [t for t in found_themes if len(t.incidents) >= MIN_INCIDENTS]
    return sorted(reported, key=lambda t: (-len(t.incidents), t.label))


def _blocks(found: Signature) -> list[tuple[str, str | None]]:
    """Alike signatures share a block: a shared component with, unless both have no
    concepts, a shared concept (a Jaccard ratio above zero needs one)."""
    concepts: Iterable[str | None] = found.concepts or (None,)
    return [(component, concept) for component in found.components for concept in concepts]


def _theme(
    members: Sequence[Signature], by_signature: dict[Signature, list[ThemeCandidate]]
) -> Theme:
    items = sorted(
        (item for s in members for item in by_signature[s]), key=lambda i: (i.incident, i.key)
    )
    components = Counter(c for s in members for c in s.components for _ in by_signature[s])
    concepts = Counter(c for s in members for c in s.concepts for _ in by_signature[s])
    shared = [c for c, n in components.most_common() if n == len(items)] or [
        components.most_common(1)[0][0]
    ]
    common = sorted(c for c, n in concepts.items() if n * 2 >= len(items))
    label = (
        f"{' '.join(sorted(shared))}: {', '.join(common)}" if common else " ".join(sorted(shared))
    )
    return Theme(
        label=label,
        components=sorted(shared),
        concepts=common,
        incidents=sorted({item.incident for item in items}),
        items=items,
    )


class _Groups:
    """Union-find over signature indexes."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, index: int) -> int:
        while self.parent[index] != index:
            self.parent[index] = self.parent[self.parent[index]]
            index = self.parent[index]
        return index

    def join(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)
