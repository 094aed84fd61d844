"""The generic connector contract (STYLE item 8, after meltano's `get_tap_test_class`).

Every connector must pass the same checks over a seeded tracker. To run them against a new
connector, subclass `ConnectorContract` in a test module and give it a `driver` fixture
returning a `TrackerDriver` for a freshly seeded tracker:

    class TestGitHubContract(ConnectorContract):
        @pytest.fixture
        def driver(self, fake_github) -> TrackerDriver:
            return GitHubDriver(fake_github)

The seed must give the checks something to bite on (each check says so when it does not):
at least three tracked items, one partition listed over two pages or more, tracker
history (e.g. a state change) for at least two items, and no malformed items.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol

import pytest

from connectors.base import Connector, ItemRef, Page, PageOrder, PartitionState
from connectors.item import HistoryField, Item

State = Mapping[str, PartitionState]


class TrackerDriver(Protocol):
    """What the contract needs from a connector's test tracker."""

    overlap: timedelta
    """How far before the cursor the connector re-reads (its configured overlap)."""

    def connector(self) -> Connector:
        """A fresh connector over the tracker as it is now."""
        ...

    def delete(self, external_id: str) -> None:
        """Delete an item in the tracker."""
        ...

    def unlabel(self, external_id: str) -> None:
        """Remove the tracking label from an item in the tracker."""
        ...


def run(driver: TrackerDriver, state: State | None = None, *, full: bool = False) -> list[Page]:
    """Every page one sync run yields from `state`, with the connector closed afterwards."""
    connector = driver.connector()
    try:
        return list(connector.fetch_changed(state or {}, full=full))
    finally:
        connector.close()


def items_of(pages: Iterable[Page]) -> list[Item]:
    return [item for page in pages for item in page.items]


def refs_of(pages: Sequence[Page]) -> list[ItemRef]:
    """Each item the pages yielded, as the runner would hand it back, ordered by id."""
    latest = {item.external_id: ItemRef.of(item) for item in items_of(pages)}
    return [latest[external_id] for external_id in sorted(latest)]


def by_partition(pages: Iterable[Page]) -> dict[str, list[Page]]:
    """Pages grouped by partition, each group in the order yielded."""
    grouped: dict[str, list[Page]] = {}
    for page in pages:
        grouped.setdefault(page.partition, []).append(page)
    return grouped


def final_state(pages: Iterable[Page]) -> dict[str, PartitionState]:
    """The state the runner would hold after committing every page: the last per partition."""
    return {partition: group[-1].state for partition, group in by_partition(pages).items()}


def is_utc(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() == timedelta(0)


def check_ascending(pages: Sequence[Page], saved: State) -> None:
    """Within a partition: `updated_at` never decreases, and each page's cursor equals the
    largest `updated_at` seen so far (never behind the saved cursor)."""
    for partition, group in by_partition(pages).items():
        high = saved.get(partition, PartitionState()).cursor
        last_updated: datetime | None = None
        for number, page in enumerate(group, 1):
            where = f"{partition} page {number}"
            for item in page.items:
                assert last_updated is None or item.updated_at >= last_updated, (
                    f"{where}: {item.key} updated {item.updated_at} after {last_updated}"
                )
                last_updated = item.updated_at
                high = item.updated_at if high is None else max(high, item.updated_at)
            cursor = page.state.cursor
            assert cursor is not None or high is None, f"{where}: no cursor after items"
            if page.errors:
                assert high is None or (cursor is not None and cursor >= high), where
            else:
                assert cursor == high, f"{where}: cursor {cursor}, largest updated_at {high}"


def check_newest_first(pages: Sequence[Page], saved: State) -> None:
    """Within a partition: `updated_at` never increases; the cursor stays put until the last
    page, which sets it to the largest `updated_at` seen and drops the resume token; every
    earlier page carries a fresh resume token."""
    for partition, group in by_partition(pages).items():
        before = saved.get(partition, PartitionState()).cursor
        seen = [item.updated_at for page in group for item in page.items]
        assert seen == sorted(seen, reverse=True), f"{partition}: not newest first"
        tokens: list[str] = []
        for number, page in enumerate(group[:-1], 1):
            where = f"{partition} page {number}"
            assert page.state.cursor == before, f"{where}: cursor moved before the run ended"
            token = page.state.resume_token
            assert token, f"{where}: intermediate page without a resume token"
            assert token not in tokens, f"{where}: resume token repeated"
            tokens.append(token)
        last = group[-1].state
        high_water = saved.get(partition, PartitionState()).high_water
        candidates = [c for c in (before, high_water, *seen) if c is not None]
        assert last.cursor == (max(candidates) if candidates else None), (
            f"{partition}: final cursor {last.cursor}"
        )
        assert last.resume_token is None, f"{partition}: resume token left after the last page"


def order_of(driver: TrackerDriver) -> PageOrder:
    connector = driver.connector()
    connector.close()
    return connector.page_order


def check_order(order: PageOrder, pages: Sequence[Page], saved: State) -> None:
    if order is PageOrder.ASCENDING:
        check_ascending(pages, saved)
    else:
        check_newest_first(pages, saved)


class ConnectorContract:
    """The checks every connector passes; subclasses provide the `driver` fixture."""

    @pytest.fixture
    def driver(self) -> TrackerDriver:
        raise NotImplementedError("a contract test class must provide a `driver` fixture")

    @pytest.fixture
    def first(self, driver: TrackerDriver) -> list[Page]:
        """The pages of a first run from empty state; fails when the seed is too thin."""
        pages = run(driver)
        items = items_of(pages)
        assert len(items) >= 3, "the seed must hold at least three tracked items"
        assert any(len(group) >= 2 for group in by_partition(pages).values()), (
            "the seed must fill two pages or more in some partition"
        )
        assert not [e for page in pages for e in page.errors], "the seed must be well-formed"
        return pages

    def test_pages_name_a_known_partition_and_so_do_their_items(
        self, driver: TrackerDriver, first: list[Page]
    ) -> None:
        connector = driver.connector()
        known = set(connector.partitions())
        connector.close()
        for page in first:
            assert page.partition in known
            assert {item.partition for item in page.items} <= {page.partition}

    def test_items_carry_ids_key_url_and_utc_times(self, first: list[Page]) -> None:
        for item in items_of(first):
            assert item.external_id.strip(), item
            assert item.key.strip(), item
            assert item.url.strip(), item
            assert is_utc(item.created_at), f"{item.key}: created_at {item.created_at!r}"
            assert is_utc(item.updated_at), f"{item.key}: updated_at {item.updated_at!r}"
            assert item.created_at <= item.updated_at, item.key
            assert item.resolved_at is None or is_utc(item.resolved_at), item.key

    def test_external_ids_are_unique_and_stable_across_runs(
        self, driver: TrackerDriver, first: list[Page]
    ) -> None:
        ids = [item.external_id for item in items_of(first)]
        assert len(ids) == len(set(ids)), "an item appeared twice in one run without changing"
        again = {item.external_id: item.key for item in items_of(run(driver, full=True))}
        assert again == {item.external_id: item.key for item in items_of(first)}

    def test_pages_and_cursors_follow_the_declared_order(
        self, driver: TrackerDriver, first: list[Page]
    ) -> None:
        check_order(order_of(driver), first, {})

    def test_resuming_from_any_committed_page_loses_nothing(
        self, driver: TrackerDriver, first: list[Page]
    ) -> None:
        order = order_of(driver)
        for partition, group in by_partition(first).items():
            for number, page in enumerate(group[:-1], 1):
                saved = {partition: page.state}
                resumed = [p for p in run(driver, saved) if p.partition == partition]
                check_order(order, resumed, saved)
                done = {i.external_id for p in group[:number] for i in p.items}
                rest = {i.external_id for p in group[number:] for i in p.items}
                got = {i.external_id for i in items_of(resumed)}
                assert rest <= got, f"{partition}: resuming after page {number} lost {rest - got}"
                if order is PageOrder.NEWEST_FIRST:
                    assert not got & done, f"{partition}: resuming re-read {got & done}"

    def test_a_second_run_without_changes_reads_only_the_overlap(
        self, driver: TrackerDriver, first: list[Page]
    ) -> None:
        state = final_state(first)
        second = run(driver, state)
        check_order(order_of(driver), second, state)
        seen = {(i.external_id, i.updated_at) for i in items_of(first)}
        for page in second:
            cursor = state[page.partition].cursor
            assert cursor is not None
            for item in page.items:
                assert (item.external_id, item.updated_at) in seen, f"{item.key} is new"
                assert cursor - driver.overlap <= item.updated_at <= cursor, (
                    f"{item.key} updated {item.updated_at}, outside the overlap before {cursor}"
                )
        for partition, after in final_state(second).items():
            assert after.cursor == state[partition].cursor, f"{partition}: cursor moved"

    def test_a_full_run_ignores_the_saved_state(
        self, driver: TrackerDriver, first: list[Page]
    ) -> None:
        again = run(driver, final_state(first), full=True)
        assert {i.external_id for i in items_of(again)} == {i.external_id for i in items_of(first)}

    def test_reconcile_returns_exactly_the_deleted_and_unlabelled_items(
        self, driver: TrackerDriver, first: list[Page]
    ) -> None:
        refs = refs_of(first)
        deleted, unlabelled = refs[0].external_id, refs[-1].external_id
        driver.delete(deleted)
        driver.unlabel(unlabelled)
        connector = driver.connector()
        try:
            removals = list(connector.reconcile(refs))
            assert list(connector.reconcile([])) == []
        finally:
            connector.close()
        assert sorted(r.external_id for r in removals) == sorted({deleted, unlabelled})
        assert all(r.reason.strip() for r in removals)

    def test_fetch_history_yields_only_the_requested_items(
        self, driver: TrackerDriver, first: list[Page]
    ) -> None:
        refs = refs_of(first)
        ids = [ref.external_id for ref in refs]
        connector = driver.connector()
        try:
            every = list(connector.fetch_history(refs))
            with_history = sorted({change.external_id for change in every})
            assert len(with_history) >= 2, "the seed must give two items or more a history"
            wanted = [
                r
                for r in refs
                if r.external_id == with_history[0] or r.external_id not in with_history
            ]
            some = list(connector.fetch_history(wanted))
        finally:
            connector.close()
        assert {change.external_id for change in every} <= set(ids)
        assert {change.external_id for change in some} == {with_history[0]}
        for change in every:
            assert is_utc(change.at), change
            assert isinstance(change.field, HistoryField), change
