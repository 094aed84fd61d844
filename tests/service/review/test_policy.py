"""The due-date policy: keys matched against priority and labels, the shortest window
winning, `default`, presets, and the config key that sets it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from service.config import ConfigError, parse_settings
from service.review.policy import PRESETS, DueDatePolicy, normalise

CREATED = datetime(2026, 1, 10, 23, 30, tzinfo=UTC)


def test_keys_ignore_case_and_separators():
    assert normalise("SEV-1") == normalise("sev 1") == normalise("Sev_1") == "sev1"
    assert normalise("priority: P1") == "priorityp1"


def test_priority_or_label_selects_the_window_and_the_shortest_wins():
    policy = DueDatePolicy.from_config({"SEV-1": timedelta(days=15), "P2": timedelta(days=30)})
    by_priority = policy.target("sev1", (), CREATED)
    by_label = policy.target(None, ("Sev 1",), CREATED)
    both = policy.target("P2", ("sev1",), CREATED)
    assert by_priority == by_label == both
    assert by_priority is not None
    assert (by_priority.date, by_priority.key, by_priority.days) == (date(2026, 1, 25), "sev1", 15)
    assert policy.target("P3", ("bug",), CREATED) is None


def test_default_applies_only_when_no_key_matches():
    policy = DueDatePolicy.from_config({"sev1": timedelta(days=40), "default": timedelta(weeks=4)})
    assert policy.target("sev1", (), CREATED).key == "sev1"  # type: ignore[union-attr]
    assert policy.target(None, (), CREATED).key == "default"  # type: ignore[union-attr]


def test_policy_overdue_needs_an_active_item_past_its_target():
    policy = DueDatePolicy.from_config(PRESETS["pagerduty"])
    target = policy.target("SEV-2", (), CREATED)
    on_the_day = datetime(2026, 2, 9, 23, tzinfo=UTC)  # target 2026-02-09 itself
    day_after = datetime(2026, 2, 10, tzinfo=UTC)
    assert not policy.is_overdue("open", target, on_the_day)
    assert policy.is_overdue("blocked", target, day_after)
    assert not policy.is_overdue("done", target, day_after)
    assert not policy.is_overdue("open", None, day_after)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("pagerduty", {"sev1": timedelta(days=15), "sev2": timedelta(days=30)}),
        ("atlassian-8w", {"default": timedelta(weeks=8)}),
        (
            {"P1": "10d", "default": "60d"},
            {"P1": timedelta(days=10), "default": timedelta(days=60)},
        ),
    ],
)
def test_the_config_takes_a_preset_or_a_mapping(value, expected):
    settings = parse_settings({"due_date_policy": value}, {}, env={})
    assert settings.due_date_policy == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("opsgenie", "due_date_policy: unknown preset 'opsgenie'"),
        ({"P1": "soon"}, "due_date_policy.P1: must be a duration"),
    ],
)
def test_bad_policies_are_config_errors_naming_the_key(value, message):
    with pytest.raises(ConfigError, match=message):
        parse_settings({"due_date_policy": value}, {}, env={})
