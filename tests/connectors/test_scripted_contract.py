"""The generic connector contract, run against both scripted connectors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from connectors.base import Connector
from connectors.item import ItemState
from tests.connectors.contract import ConnectorContract, TrackerDriver
from tests.connectors.fakes import FakeTime
from tests.support import scripted
from tests.support.scripted import (
    T0,
    AscendingConnector,
    NewestFirstConnector,
    ScriptedConfig,
    ScriptedTracker,
)

SOURCE = "contract"


@dataclass
class ScriptedDriver:
    """Drives a ScriptedTracker for the contract."""

    tracker: ScriptedTracker
    connector_class: type[AscendingConnector] | type[NewestFirstConnector]
    overlap: timedelta
    time: FakeTime

    def connector(self) -> Connector:
        config = ScriptedConfig(
            name=SOURCE, page_size=3, overlap_seconds=int(self.overlap.total_seconds())
        )
        return self.connector_class(config, self.time.context())

    def delete(self, external_id: str) -> None:
        self.tracker.delete(external_id)

    def unlabel(self, external_id: str) -> None:
        self.tracker.relabel(external_id, labelled=False)


def seeded_tracker() -> ScriptedTracker:
    """Two partitions, pages of three, timestamp ties, and state changes with history."""
    tracker = ScriptedTracker(partitions=("alpha", "beta"))
    for number in range(8):
        tracker.create(partition="alpha")
        if number % 3 != 1:  # every third pair shares a timestamp
            tracker.tick(60)
    for _ in range(2):
        tracker.create(partition="beta")
        tracker.tick(30)
    tracker.tick(600)
    tracker.update("id-2", state=ItemState.IN_PROGRESS)
    tracker.tick(60)
    tracker.update("id-9", state=ItemState.DONE, resolved_at=tracker.now)
    return tracker


@pytest.fixture(params=[0, 120], ids=["no-overlap", "overlap-2min"])
def overlap(request: pytest.FixtureRequest) -> timedelta:
    return timedelta(seconds=request.param)


@pytest.fixture
def seeded() -> Iterator[ScriptedTracker]:
    tracker = seeded_tracker()
    scripted.TRACKERS[SOURCE] = tracker
    yield tracker
    scripted.TRACKERS.pop(SOURCE, None)


class TestAscendingScriptedContract(ConnectorContract):
    @pytest.fixture
    def driver(self, seeded: ScriptedTracker, overlap: timedelta) -> TrackerDriver:
        return ScriptedDriver(seeded, AscendingConnector, overlap, FakeTime(T0))


class TestNewestFirstScriptedContract(ConnectorContract):
    @pytest.fixture
    def driver(self, seeded: ScriptedTracker, overlap: timedelta) -> TrackerDriver:
        return ScriptedDriver(seeded, NewestFirstConnector, overlap, FakeTime(T0))
