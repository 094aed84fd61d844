"""The contract's order checks reject what they should, so a passing connector means something."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from connectors.base import Page, PartitionState
from connectors.item import Item, ItemState
from tests.connectors.contract import check_ascending, check_newest_first
from tests.support.scripted import T0


def item(number: int, minutes: int) -> Item:
    at = T0 + timedelta(minutes=minutes)
    return Item(
        external_id=f"id-{number}",
        key=f"ACT-{number}",
        url=f"https://tracker.example/ACT-{number}",
        title="t",
        state=ItemState.OPEN,
        raw_status="Open",
        created_at=T0,
        updated_at=at,
        partition="p",
    )


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def page(items: list[Item], **state: object) -> Page:
    return Page("p", items, PartitionState(**state))  # type: ignore[arg-type]


def test_ascending_accepts_cursors_that_follow_the_items():
    check_ascending(
        [page([item(1, 1), item(2, 2)], cursor=at(2)), page([item(3, 2)], cursor=at(2))], {}
    )


@pytest.mark.parametrize(
    "pages",
    [
        pytest.param(
            [page([item(1, 2)], cursor=at(2)), page([item(2, 1)], cursor=at(2))],
            id="items-go-back-in-time",
        ),
        pytest.param([page([item(1, 1), item(2, 2)], cursor=at(1))], id="cursor-behind-items"),
        pytest.param([page([item(1, 1)], cursor=at(5))], id="cursor-ahead-of-items"),
        pytest.param([page([item(1, 1)])], id="no-cursor"),
    ],
)
def test_ascending_rejects_disorder_and_wrong_cursors(pages):
    with pytest.raises(AssertionError):
        check_ascending(pages, {})


def test_ascending_rejects_a_cursor_that_goes_behind_the_saved_one():
    with pytest.raises(AssertionError):
        check_ascending([page([item(1, 1)], cursor=at(1))], {"p": PartitionState(cursor=at(3))})


def test_newest_first_accepts_a_cursor_set_only_on_the_last_page():
    check_newest_first(
        [page([item(1, 3), item(2, 2)], resume_token="a"), page([item(3, 1)], cursor=at(3))], {}
    )


@pytest.mark.parametrize(
    "pages",
    [
        pytest.param(
            [page([item(1, 2)], resume_token="a"), page([item(2, 3)], cursor=at(3))],
            id="oldest-first",
        ),
        pytest.param(
            [page([item(1, 3)], cursor=at(3), resume_token="a"), page([item(2, 1)], cursor=at(3))],
            id="cursor-moves-early",
        ),
        pytest.param([page([item(1, 3)]), page([item(2, 1)], cursor=at(3))], id="no-resume-token"),
        pytest.param(
            [
                page([item(1, 3)], resume_token="a"),
                page([item(2, 2)], resume_token="a"),
                page([item(3, 1)], cursor=at(3)),
            ],
            id="token-repeats",
        ),
        pytest.param(
            [page([item(1, 3)], resume_token="a"), page([item(2, 1)], cursor=at(1))],
            id="final-cursor-not-the-newest",
        ),
        pytest.param(
            [page([item(1, 3)], cursor=at(3), resume_token="b")], id="token-left-at-the-end"
        ),
    ],
)
def test_newest_first_rejects_early_cursors_and_missing_tokens(pages):
    with pytest.raises(AssertionError):
        check_newest_first(pages, {})
