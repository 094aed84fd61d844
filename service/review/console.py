"""The review packet as Rich tables for a terminal: the same sections, in the same order,
as the Markdown agenda (`service.review.markdown`), every list complete."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from service.metrics.definitions import age_days
from service.metrics.items import ItemView
from service.review.changes import ChangedItem
from service.review.packet import NOT_HYGIENE, Packet

UNOWNED = "(no owner)"
_Cells = Callable[[ItemView], Sequence[str]]
_STATES = {"done": "done", "wont_do": "won't do"}


def review_view(packet: Packet) -> Group:
    """Every section of the packet, one table each."""
    return Group(*_sections(packet))


def _sections(packet: Packet) -> Iterator[RenderableType]:
    as_of = packet.as_of
    yield Text(
        f"Incident action review, as of {as_of:%Y-%m-%d %H:%M} UTC; "
        f"changes since {packet.since:%Y-%m-%d %H:%M} UTC",
        style="bold",
    )
    yield _counts(packet)
    yield _items(
        f"Overdue ({len(packet.overdue)})",
        sorted(packet.overdue, key=lambda v: ((v.owner or "~").lower(), -(v.days_overdue or 0))),
        ("owner", "days overdue", "due"),
        lambda v: (_owner(v.owner), str(v.days_overdue), str(v.due_date)),
    )
    yield _items(
        f"Blocked ({len(packet.blocked)})",
        packet.blocked,
        ("owner", "age (d)"),
        lambda v: (_owner(v.owner), f"{age_days(v.created_at, as_of):.0f}"),
    )
    yield _items(
        f"Decide: do or drop, stale ({len(packet.stale)})",
        packet.stale,
        ("owner", "quiet (d)", "last update"),
        lambda v: (
            _owner(v.owner),
            f"{age_days(min(v.updated_at, as_of), as_of):.0f}",
            f"{v.updated_at:%Y-%m-%d}",
        ),
    )
    yield _items(
        f"Hygiene fixes ({len(packet.hygiene)})",
        packet.hygiene,
        ("owner", "fix"),
        lambda v: (
            _owner(v.owner),
            "\n".join(f"{f.code}: {f.message}" for f in v.flags if f.code not in NOT_HYGIENE),
        ),
    )
    yield _incidents(packet)
    yield _themes(packet)
    yield _changes(packet)


def _counts(packet: Packet) -> Table:
    c = packet.counts
    figures = {
        "active": c.active,
        "open": c.open,
        "in progress": c.in_progress,
        "blocked": c.blocked,
        "overdue": c.overdue,
        "stale": c.stale,
        "unowned": c.unowned,
        "undated": c.undated,
        "past policy target": c.policy_overdue,
        "need hygiene": c.hygiene,
    }
    table = Table(
        title="Counts",
        caption=(
            f"since the last review: {c.created} created, {c.closed} closed ({c.done} done, "
            f"{c.wont_do} won't do), {c.reopened} reopened, {c.newly_overdue} newly overdue, "
            f"{c.slipped} slipped; {c.themes} themes"
        ),
    )
    for name in figures:
        table.add_column(name, justify="right")
    table.add_row(*(str(value) for value in figures.values()))
    return table


def _items(
    title: str,
    views: Sequence[ItemView],
    headings: Sequence[str],
    cells: _Cells,
) -> Table:
    table = Table(title=title, show_lines=False)
    table.add_column("key", no_wrap=True)
    for heading in headings:
        table.add_column(heading, overflow="fold")
    table.add_column("incident", no_wrap=True)
    table.add_column("title", overflow="fold")
    for view in views:
        table.add_row(
            escape(view.key),
            *(escape(cell) for cell in cells(view)),
            escape(view.incident or "-"),
            escape(view.title),
        )
    if not views:
        table.add_row("None.", *([""] * (len(headings) + 2)))
    return table


def _incidents(packet: Packet) -> Table:
    table = Table(title="Incidents")
    table.add_column("")
    table.add_column("count", justify="right")
    table.add_column("refs", overflow="fold")
    for label, found in (
        ("All actions closed", packet.incidents_all_closed),
        ("No action closed yet", packet.incidents_none_closed),
        ("No detection action", packet.incidents_missing_detection),
    ):
        table.add_row(label, str(len(found)), escape(", ".join(i.ref for i in found) or "none"))
    return table


def _themes(packet: Packet) -> Table:
    table = Table(title=f"Themes across incidents ({len(packet.themes)})")
    table.add_column("theme", overflow="fold")
    table.add_column("incidents", overflow="fold")
    table.add_column("items", overflow="fold")
    for theme in packet.themes:
        items = "\n".join(f"{i.key}: {i.title}" for i in theme.items)
        table.add_row(escape(theme.label), escape(", ".join(theme.incidents)), escape(items))
    if not packet.themes:
        table.add_row("None.", "", "")
    return table


def _changes(packet: Packet) -> Table:
    c = packet.changes
    table = Table(title="Since the last review")
    table.add_column("change", no_wrap=True)
    table.add_column("key", no_wrap=True)
    table.add_column("detail", overflow="fold")
    table.add_column("title", overflow="fold")
    rows: list[tuple[str, ChangedItem, str]] = []
    rows += [("created", i, _owner(i.owner)) for i in c.created]
    rows += [("closed", i, _STATES.get(i.state, i.state)) for i in c.closed]
    rows += [("reopened", i, i.state) for i in c.reopened]
    rows += [("newly overdue", i, f"{i.days_overdue} days overdue") for i in c.newly_overdue]
    rows += [("slipped", i, f"due {i.due_date_before} → {i.due_date}") for i in c.slipped]
    for change, item, detail in rows:
        table.add_row(change, escape(item.key), escape(detail), escape(item.title))
    if not rows:
        table.add_row("None.", "", "", "")
    return table


def _owner(owner: str | None) -> str:
    return UNOWNED if owner is None else owner
