"""Chart geometry for the dashboard's server-side SVG: bars, lines and their axes.

Pure functions from numbers to shapes; the templates only draw what these return, so the
scales are tested here and every drawn point keeps the value it stands for.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 240
MARGIN_LEFT = 44
MARGIN_RIGHT = 12
MARGIN_TOP = 12
MARGIN_BOTTOM = 36
MAX_TICKS = 5
MAX_LABELS = 13
BAR_GAP = 0.2
"""The share of a category's band left empty between neighbouring categories."""


@dataclass(frozen=True)
class Series:
    """One named series: `key` picks its colour, `label` names it in the legend."""

    key: str
    label: str


@dataclass(frozen=True)
class Bar:
    """One drawn bar and the value it stands for."""

    category: str
    series: Series
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Point:
    """One point of a line and the value it stands for."""

    category: str
    value: int
    x: float
    y: float


@dataclass(frozen=True)
class Tick:
    """A value on the vertical axis and the height it is drawn at."""

    value: int
    y: float


@dataclass(frozen=True)
class Label:
    """A category name under the horizontal axis; blank where labels would crowd."""

    text: str
    x: float


@dataclass(frozen=True)
class Chart:
    """A vertical bar chart (grouped by series) or a line chart, in a `width`×`height`
    box whose plot area spans `left`..`right` and `top`..`bottom`."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    ticks: list[Tick]
    labels: list[Label]
    series: list[Series]
    bars: list[Bar]
    points: list[Point]

    @property
    def path(self) -> str:
        """The SVG path through the points, left to right."""
        return " ".join(
            f"{'M' if i == 0 else 'L'}{p.x:.1f},{p.y:.1f}" for i, p in enumerate(self.points)
        )

    @property
    def described(self) -> str:
        """The drawn values in words, for the chart's text alternative."""
        shapes = [(b.category, b.series.label, b.value) for b in self.bars]
        shapes += [(p.category, "", p.value) for p in self.points]
        named = len(self.series) > 1
        return "; ".join(
            f"{category}{f' {label.lower()}' if named else ''}: {value}"
            for category, label, value in shapes
        )


@dataclass(frozen=True)
class Row:
    """One row of a horizontal bar chart."""

    label: str
    value: int
    y: float
    width: float


@dataclass(frozen=True)
class RowChart:
    """Horizontal bars, one per row, labelled on the left; `scale` is the largest value
    the bar area spans."""

    width: int
    height: int
    left: float
    right: float
    row_height: float
    scale: int
    rows: list[Row]


def nice_scale(largest: int) -> tuple[int, int]:
    """The axis top and tick step for values up to `largest`: a step of 1, 2 or 5 times a
    power of ten giving at most `MAX_TICKS` steps, the top a multiple of it (1 for 0)."""
    if largest <= 0:
        return 1, 1
    magnitude = 10 ** max(0, math.floor(math.log10(largest)) - 1)
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            top = math.ceil(largest / step) * step
            if top // step <= MAX_TICKS:
                return top, step
        magnitude *= 10


def bar_chart(
    categories: Sequence[str],
    series: Sequence[tuple[Series, Sequence[int]]],
    *,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Chart:
    """Bars for each category, one per series side by side, on a shared scale from 0."""
    frame = _frame(categories, [v for _, values in series for v in values], width, height)
    band = (frame.right - frame.left) / max(len(categories), 1)
    bar_width = band * (1 - BAR_GAP) / max(len(series), 1)
    bars = []
    for index, category in enumerate(categories):
        start = frame.left + band * index + band * BAR_GAP / 2
        for offset, (kind, values) in enumerate(series):
            value = values[index]
            y = frame.y(value)
            bars.append(
                Bar(
                    category,
                    kind,
                    value,
                    start + offset * bar_width,
                    y,
                    bar_width,
                    frame.bottom - y,
                )
            )
    return frame.chart([s for s, _ in series], bars=bars)


def line_chart(
    categories: Sequence[str], values: Sequence[int], *, width: int = WIDTH, height: int = HEIGHT
) -> Chart:
    """One point per category at the middle of its band, joined left to right."""
    frame = _frame(categories, values, width, height)
    band = (frame.right - frame.left) / max(len(categories), 1)
    points = [
        Point(category, value, frame.left + band * (index + 0.5), frame.y(value))
        for index, (category, value) in enumerate(zip(categories, values, strict=True))
    ]
    return frame.chart([], points=points)


def row_chart(
    rows: Sequence[tuple[str, int]],
    *,
    width: int = WIDTH,
    label_width: int = 160,
    row_height: int = 24,
) -> RowChart:
    """One horizontal bar per (label, value), longest for the largest value."""
    left, right = float(label_width), float(width - MARGIN_RIGHT - 36)
    scale = max((value for _, value in rows), default=0) or 1
    drawn = [
        Row(label, value, index * row_height, (right - left) * value / scale)
        for index, (label, value) in enumerate(rows)
    ]
    return RowChart(width, max(len(rows), 1) * row_height, left, right, row_height, scale, drawn)


@dataclass(frozen=True)
class _Frame:
    """The plot area and vertical scale shared by a chart's shapes."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    scale_top: int
    step: int
    categories: Sequence[str]

    def y(self, value: int) -> float:
        return self.bottom - (self.bottom - self.top) * value / self.scale_top

    def chart(
        self,
        series: list[Series],
        *,
        bars: list[Bar] | None = None,
        points: list[Point] | None = None,
    ) -> Chart:
        ticks = [Tick(v, self.y(v)) for v in range(0, self.scale_top + 1, self.step)]
        band = (self.right - self.left) / max(len(self.categories), 1)
        every = math.ceil(len(self.categories) / MAX_LABELS) or 1
        labels = [
            Label(name if index % every == 0 else "", self.left + band * (index + 0.5))
            for index, name in enumerate(self.categories)
        ]
        return Chart(
            self.width,
            self.height,
            self.left,
            self.right,
            self.top,
            self.bottom,
            ticks,
            labels,
            series,
            bars or [],
            points or [],
        )


def _frame(categories: Sequence[str], values: Sequence[int], width: int, height: int) -> _Frame:
    top, step = nice_scale(max(values, default=0))
    return _Frame(
        width,
        height,
        float(MARGIN_LEFT),
        float(width - MARGIN_RIGHT),
        float(MARGIN_TOP),
        float(height - MARGIN_BOTTOM),
        top,
        step,
        categories,
    )
