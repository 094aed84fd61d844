"""Templates and the stylesheet, loaded from the package on first use, and the small
formatting filters the templates share."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

EMPTY = "—"


@functools.cache
def environment() -> Environment:
    """The templates' environment: autoescaped HTML, and an error for any undefined name."""
    env = Environment(
        loader=PackageLoader("service.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters |= {"pct": pct, "days": days, "when": when, "day": day}
    return env


def render(template: str, context: dict[str, Any]) -> str:
    """One template rendered with `context`."""
    return environment().get_template(template).render(context)


@functools.cache
def stylesheet() -> str:
    """The dashboard's CSS, read once from the package."""
    return resources.files("service.web").joinpath("static/dashboard.css").read_text("utf-8")


def pct(rate: float | None) -> str:
    """A rate in [0, 1] as a percentage with one decimal; a dash when null."""
    return EMPTY if rate is None else f"{rate * 100:.1f}%"


def days(value: float | None) -> str:
    """A duration in days with one decimal; a dash when null."""
    return EMPTY if value is None else f"{value:.1f} d"


def when(instant: datetime | None) -> str:
    """An instant as `YYYY-MM-DD HH:MM UTC`; a dash when null."""
    return EMPTY if instant is None else f"{instant.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def day(value: date | datetime | None) -> str:
    """A date as `YYYY-MM-DD`; a dash when null."""
    return EMPTY if value is None else f"{value:%Y-%m-%d}"
