"""The summary cards as `/api/v1/metrics/summary` gives them, for the page and browser tests."""

from __future__ import annotations

CARDS = ("active", "overdue", "stale", "oldest", "completion_rate", "on_time_rate")


def summary_cards(summary: dict) -> dict[str, str]:
    """Each card's `data-value`: the summary's exact value, blank when null."""
    completion = summary["completion"]
    values = {
        "active": summary["active"],
        "overdue": summary["overdue"],
        "stale": summary["stale"],
        "oldest": None if summary["oldest"] is None else summary["oldest"]["age_days"],
        "completion_rate": completion["completion_rate"],
        "on_time_rate": completion["on_time_rate"],
    }
    assert set(values) == set(CARDS)
    return {name: "" if value is None else str(value) for name, value in values.items()}
