"""The generic connector contract, run against the Linear connector over real HTTP.

The seed has team ENG listed over several pages (with timestamp ties), team OPS, unlabelled
issues as noise, an archived completed issue, and closed or reassigned issues whose
history entries give them a history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from connectors.base import Connector
from connectors.item import ItemState
from connectors.linear import LinearConnector
from connectors.testing import FakeLinear
from tests.connectors.contract import ConnectorContract, TrackerDriver, items_of, run
from tests.connectors.fakes import FakeTime
from tests.connectors.linear.conftest import LABEL, linear_config


@dataclass
class LinearDriver:
    """Drives a FakeLinear for the contract: teams ENG and OPS, three issues a page."""

    fake: FakeLinear
    url: str
    overlap: timedelta
    time: FakeTime

    def connector(self) -> Connector:
        config = linear_config(
            self.url,
            teams=["ENG", "OPS"],
            page_size=3,
            overlap=int(self.overlap.total_seconds()),
        )
        return LinearConnector(config, self.time.context())

    def delete(self, external_id: str) -> None:
        self.fake.trash(external_id)

    def unlabel(self, external_id: str) -> None:
        self.fake.remove_label(external_id, LABEL)


def seed(fake: FakeLinear) -> None:
    """Eight labelled issues in ENG (pairs sharing a timestamp), two in OPS, unlabelled
    noise, then a completion later archived, a cancellation and a reassignment."""
    eng = []
    for number in range(8):
        eng.append(
            fake.create_issue(
                "ENG",
                title=f"Follow-up {number} of INC-{100 + number}",
                labels=(LABEL if number % 2 else "Incident-Action", "prevention"),
                assignee="Ana Lima" if number % 2 else None,
            )
        )
        if number % 3 != 1:
            fake.tick(60)
        fake.create_issue("ENG", title=f"Unrelated bug {number}")
    ops = [fake.create_issue("OPS", title=f"Runbook {n}", labels=(LABEL,)) for n in range(2)]
    fake.tick(600)
    fake.update_issue(eng[2].id, state="Done")
    fake.archive(eng[2].id)
    fake.tick(60)
    fake.update_issue(ops[1].id, state="Canceled")
    fake.tick(60)
    fake.update_issue(eng[5].id, assignee="Bo Chen")


@pytest.fixture(params=[0, 120], ids=["no-overlap", "overlap-2min"])
def overlap(request: pytest.FixtureRequest) -> timedelta:
    return timedelta(seconds=request.param)


class TestLinearContract(ConnectorContract):
    @pytest.fixture
    def driver(self, fake: FakeLinear, url: str, overlap: timedelta) -> TrackerDriver:
        seed(fake)
        return LinearDriver(fake, url, overlap, FakeTime(fake.now))


def test_the_archived_completed_issue_is_listed_and_done(fake, url):
    seed(fake)
    items = items_of(run(LinearDriver(fake, url, timedelta(0), FakeTime(fake.now))))
    assert len(items) == 10
    done = [item for item in items if item.state is ItemState.DONE]
    assert [item.key for item in done] == ["ENG-5"]
