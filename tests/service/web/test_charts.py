"""Chart geometry: a readable scale from zero, shapes proportional to their values, and
every shape keeping the value it stands for."""

from __future__ import annotations

import math
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.web.charts import MAX_TICKS, Series, bar_chart, line_chart, nice_scale, row_chart

A = Series("a", "A")
B = Series("b", "B")


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=10**7))
def test_the_scale_covers_the_largest_value_in_few_round_steps(largest):
    top, step = nice_scale(largest)
    assert top >= max(largest, 1)
    assert top % step == 0
    assert top // step <= MAX_TICKS
    power = 10 ** int(math.log10(step))
    assert step % power == 0
    assert step // power in (1, 2, 5)
    assert top - step < max(largest, 1)  # no empty step at the top


def test_scales_by_hand():
    assert nice_scale(0) == (1, 1)
    assert nice_scale(7) == (8, 2)
    assert nice_scale(42) == (50, 10)
    assert nice_scale(101) == (150, 50)


def test_bars_stand_on_the_axis_with_heights_proportional_to_values():
    chart = bar_chart(["x", "y", "z"], [(A, [0, 5, 10]), (B, [10, 2, 0])])
    assert [(b.category, b.series.key, b.value) for b in chart.bars] == [
        ("x", "a", 0),
        ("x", "b", 10),
        ("y", "a", 5),
        ("y", "b", 2),
        ("z", "a", 10),
        ("z", "b", 0),
    ]
    full = chart.bottom - chart.top
    for bar in chart.bars:
        assert bar.y + bar.height == pytest.approx(chart.bottom)
        assert bar.height == pytest.approx(full * bar.value / 10)
    xs = [bar.x for bar in chart.bars]
    assert xs == sorted(xs)
    assert all(a.x + a.width <= b.x for a, b in pairwise(chart.bars))
    assert chart.ticks[0].value == 0
    assert chart.ticks[-1].value == 10
    assert chart.ticks[-1].y == chart.top


def test_a_line_has_one_point_per_category_higher_for_larger_values():
    chart = line_chart(["a", "b", "c", "d"], [3, 9, 0, 9])
    assert [p.value for p in chart.points] == [3, 9, 0, 9]
    ys = [p.y for p in chart.points]
    assert ys[1] == ys[3] < ys[0] < ys[2] == chart.bottom
    assert chart.path.startswith("M")
    assert chart.path.count("L") == 3
    assert chart.described == "a: 3; b: 9; c: 0; d: 9"


def test_crowded_labels_are_thinned_but_every_point_stays():
    chart = line_chart([str(n) for n in range(52)], list(range(52)))
    assert len(chart.points) == 52
    shown = [label.text for label in chart.labels if label.text]
    assert 1 < len(shown) <= 13
    assert shown[0] == "0"


def test_rows_are_as_long_as_their_share_of_the_largest():
    chart = row_chart([("ana", 4), ("bo", 2), ("cy", 0)])
    widths = [row.width for row in chart.rows]
    assert widths[0] == chart.right - chart.left
    assert widths[1] == widths[0] / 2
    assert widths[2] == 0
    assert [row.y for row in chart.rows] == [0, chart.row_height, 2 * chart.row_height]


def test_empty_charts_have_a_scale_and_nothing_drawn():
    assert bar_chart([], [(A, [])]).bars == []
    assert line_chart([], []).path == ""
    assert row_chart([]).rows == []
