"""Runs hold their source's lease: fenced page commits, release at the end, graceful stop."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import ClassVar

import pytest

from connectors.base import Page, PartitionState
from service.config import SourceSettings
from service.sync.runner import SyncRunner
from tests.service.sync import mirror
from tests.support.scripted import CONNECTORS, AscendingConnector, ScriptedConfig

PAGE = 3


class HookedConnector(AscendingConnector):
    """The scripted connector, calling `after_page(k)` when the runner asks for the page
    after page k (page k is committed by then)."""

    kind = "scripted-hooked"
    after_page: ClassVar[Callable[[int], None]] = staticmethod(lambda page: None)

    def fetch_changed(
        self, state: Mapping[str, PartitionState], *, full: bool = False
    ) -> Iterator[Page]:
        for number, page in enumerate(super().fetch_changed(state, full=full), start=1):
            yield page
            HookedConnector.after_page(number)


@pytest.fixture
def hooked(monkeypatch):
    def set_hook(hook: Callable[[int], None]) -> None:
        monkeypatch.setattr(HookedConnector, "after_page", staticmethod(hook))

    return set_hook


@pytest.fixture
def source() -> SourceSettings:
    return SourceSettings(
        name="demo", kind=HookedConnector.kind, connector=ScriptedConfig(name="demo")
    )


@pytest.fixture
def make_runner(sessions, clock) -> Callable[[], SyncRunner]:
    return lambda: SyncRunner(
        sessions, clock, {**CONNECTORS, HookedConnector.kind: HookedConnector}
    )


@pytest.fixture
def four_pages(tracker):
    for _ in range(4 * PAGE):
        tracker.create()
        tracker.tick()
    return tracker


def test_every_run_claims_the_lease_with_a_new_fence_and_releases_it(
    sessions, make_runner, source, four_pages
):
    runner = make_runner()
    for fence in (1, 2):
        assert runner.sync(source).status == "success"
        lease = mirror.lease(sessions)
        assert (lease.fence, lease.lease_until, lease.owner) == (fence, None, runner.owner)


def test_a_page_whose_fence_went_stale_is_not_committed(
    sessions, make_runner, source, four_pages, hooked
):
    stalled, other = make_runner(), make_runner()
    taken: list[int] = []

    def lease_passes_to_another(page: int) -> None:
        if page == 1:  # page 1 is committed; the stalled run's lease expires and is taken
            mirror.expire_leases(sessions)
            taken.append(other.open_run(source))

    hooked(lease_passes_to_another)

    result = stalled.sync(source)

    assert result.status == "failed"
    assert result.error is not None
    assert "fence 1 is stale" in result.error
    assert len(mirror.tracked(sessions)) == PAGE  # page 2 was rolled back
    assert mirror.state(sessions)["main"].cursor == four_pages.items["id-3"].item.updated_at
    stalled_run = mirror.run(sessions, result.run_id)
    assert (stalled_run.status, stalled_run.error_kind) == ("failed", "interrupted")
    assert stalled_run.items_seen == PAGE
    assert mirror.run(sessions, taken[0]).status == "running"
    assert mirror.lease(sessions).owner == other.owner  # not released by the stalled run


def test_a_stopped_runner_finishes_its_page_commits_and_releases_the_lease(
    sessions, make_runner, source, four_pages, hooked
):
    runner = make_runner()
    hooked(lambda page: runner.stop() if page == 1 else None)

    stopped = runner.sync(source)

    assert (stopped.status, stopped.items_seen) == ("failed", 2 * PAGE)
    record = mirror.run(sessions, stopped.run_id)
    assert record.error_kind == "interrupted"
    assert "after 2 committed page(s)" in (record.error or "")
    assert mirror.lease(sessions).lease_until is None
    assert len(mirror.tracked(sessions)) == 2 * PAGE
    before = four_pages.items_served

    resumed = make_runner().sync(source)

    assert resumed.status == "success"
    assert four_pages.items_served - before == 2 * PAGE + 1  # the rest, plus the cursor's tie
    assert mirror.tracked(sessions) == four_pages.tracked()


def test_ctrl_c_closes_the_run_and_frees_the_source(
    sessions, make_runner, source, four_pages, hooked
):
    def interrupt(page: int) -> None:
        raise KeyboardInterrupt

    hooked(interrupt)
    runner = make_runner()

    with pytest.raises(KeyboardInterrupt):
        runner.sync(source)

    [run] = mirror.runs(sessions)
    assert (run.status, run.error_kind) == ("failed", "interrupted")
    assert mirror.lease(sessions).lease_until is None
    hooked(lambda page: None)
    assert make_runner().sync(source).status == "success"


def test_a_run_not_opened_by_this_runner_is_refused(make_runner, source, four_pages):
    run_id = make_runner().open_run(source)

    with pytest.raises(LookupError):
        make_runner().run(run_id, source)
