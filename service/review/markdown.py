"""The review packet as a ready-to-paste meeting agenda in Markdown: counts, overdue by
owner, blocked, "decide: do or drop" for stale items, hygiene fixes, incidents, themes, and
what changed since the last review. Every list is complete; empty sections say "None."."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TypeVar

from service.metrics.definitions import age_days
from service.metrics.items import ItemView
from service.metrics.rollups import IncidentRollup
from service.review.changes import ChangedItem
from service.review.packet import NOT_HYGIENE, Packet
from service.review.themes import Theme

T = TypeVar("T")
UNOWNED = "(no owner)"
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")
_STATES = {"done": "done", "wont_do": "won't do"}


def render(packet: Packet) -> str:
    """The whole agenda, ending in a newline."""
    sections = [
        _heading(packet),
        _counts(packet),
        _overdue(packet.overdue),
        _section("Blocked", packet.blocked, lambda v: _blocked(v, packet.as_of)),
        _section("Decide: do or drop (stale)", packet.stale, lambda v: _stale(v, packet.as_of)),
        _section("Hygiene fixes", packet.hygiene, _hygiene),
        _incidents(packet),
        _section("Themes across incidents", packet.themes, _theme),
        _changes(packet),
    ]
    return "\n\n".join(sections) + "\n"


def text(value: str) -> str:
    """Plain text made safe inside Markdown: one line, special characters escaped."""
    return _SPECIAL.sub(r"\\\1", " ".join(value.split()))


def _heading(packet: Packet) -> str:
    return (
        f"# Incident action review, {packet.as_of:%Y-%m-%d}\n\n"
        f"As of {_instant(packet.as_of)}; changes since {_instant(packet.since)}."
    )


def _counts(packet: Packet) -> str:
    c = packet.counts
    figures = [
        ("active", c.active),
        ("open", c.open),
        ("in progress", c.in_progress),
        ("blocked", c.blocked),
        ("overdue", c.overdue),
        ("stale", c.stale),
        ("unowned", c.unowned),
        ("undated", c.undated),
        ("past policy target", c.policy_overdue),
        ("need hygiene", c.hygiene),
    ]
    header = "| " + " | ".join(name for name, _ in figures) + " |"
    rule = "|" + "---:|" * len(figures)
    values = "| " + " | ".join(str(value) for _, value in figures) + " |"
    since = (
        f"Since the last review: {c.created} created, {c.closed} closed ({c.done} done, "
        f"{c.wont_do} won't do), {c.reopened} reopened, {c.newly_overdue} newly overdue, "
        f"{c.slipped} slipped; {c.themes} themes across incidents."
    )
    return f"## Counts\n\n{header}\n{rule}\n{values}\n\n{since}"


def _overdue(views: Sequence[ItemView]) -> str:
    by_owner: dict[str, list[ItemView]] = defaultdict(list)
    for view in views:
        by_owner[view.owner or UNOWNED].append(view)
    title = f"## Overdue by owner ({len(views)})"
    if not views:
        return f"{title}\n\nNone."
    owners = sorted(by_owner, key=lambda o: (-len(by_owner[o]), o == UNOWNED, o.lower()))
    parts = [title]
    for owner in owners:
        lines = [
            f"- {_link(v)}: {v.days_overdue} days overdue (due {v.due_date}){_incident(v.incident)}"
            for v in by_owner[owner]
        ]
        parts.append(f"### {text(owner)} ({len(by_owner[owner])})\n\n" + "\n".join(lines))
    return "\n\n".join(parts)


def _blocked(view: ItemView, as_of: datetime) -> str:
    age = age_days(view.created_at, as_of)
    return f"{_link(view)}: {_owner(view.owner)}, {age:.0f} days old{_incident(view.incident)}"


def _stale(view: ItemView, as_of: datetime) -> str:
    quiet = age_days(min(view.updated_at, as_of), as_of)
    return (
        f"{_link(view)}: {_owner(view.owner)}, no update for {quiet:.0f} days "
        f"(last {view.updated_at:%Y-%m-%d}){_incident(view.incident)}"
    )


def _hygiene(view: ItemView) -> str:
    found = [f for f in view.flags if f.code not in NOT_HYGIENE]
    fixes = "\n".join(f"  - {f.code}: {text(f.message)}" for f in found)
    return f"{_link(view)}: {_owner(view.owner)}\n{fixes}"


def _incidents(packet: Packet) -> str:
    rows = [
        ("All actions closed", packet.incidents_all_closed),
        ("No action closed yet", packet.incidents_none_closed),
        ("No detection action", packet.incidents_missing_detection),
    ]
    lines = [f"- {label} ({len(found)}): {_refs(found)}" for label, found in rows]
    return "## Incidents\n\n" + "\n".join(lines)


def _theme(theme: Theme) -> str:
    items = "\n".join(
        f"  - {text(i.key)} ({text(i.incident)}): {text(i.title)}" for i in theme.items
    )
    refs = ", ".join(text(ref) for ref in theme.incidents)
    return f"{text(theme.label)}: {len(theme.incidents)} incidents ({refs})\n{items}"


def _changes(packet: Packet) -> str:
    c = packet.changes
    parts = [
        "## Since the last review",
        _section("Created", c.created, _created, level=3),
        _section("Closed", c.closed, lambda i: f"{_link(i)}: {_STATES[i.state]}", level=3),
        _section("Reopened", c.reopened, lambda i: f"{_link(i)}: {i.state}", level=3),
        _section(
            "Newly overdue",
            c.newly_overdue,
            lambda i: f"{_link(i)}: {i.days_overdue} days overdue, {_owner(i.owner)}",
            level=3,
        ),
        _section(
            "Slipped",
            c.slipped,
            lambda i: f"{_link(i)}: due {i.due_date_before} → {i.due_date}, {_owner(i.owner)}",
            level=3,
        ),
    ]
    return "\n\n".join(parts)


def _created(item: ChangedItem) -> str:
    return f"{_link(item)}: {_owner(item.owner)}{_incident(item.incident)}"


def _section(title: str, entries: Sequence[T], line: Callable[[T], str], *, level: int = 2) -> str:
    heading = f"{'#' * level} {title} ({len(entries)})"
    if not entries:
        return f"{heading}\n\nNone."
    return heading + "\n\n" + "\n".join(f"- {line(entry)}" for entry in entries)


def _link(item: ItemView | ChangedItem) -> str:
    return f"[{text(item.key)}]({item.url}) {text(item.title)}"


def _owner(owner: str | None) -> str:
    return UNOWNED if owner is None else text(owner)


def _incident(ref: str | None) -> str:
    return "" if ref is None else f", {text(ref)}"


def _refs(incidents: Iterable[IncidentRollup]) -> str:
    return ", ".join(text(i.ref) for i in incidents) or "none"


def _instant(value: datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC"
