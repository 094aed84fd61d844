"""Fakes for connector tests: a clock that only moves when something sleeps, one that
also notes when each request was answered, and a connector that dies mid-sync."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from connectors.base import Context, Page, PartitionState
from tests.support.scripted import Crash


@dataclass
class FakeTime:
    """A clock and a recording sleep: `sleep(s)` records `s` and moves `now` on by `s`."""

    now: datetime
    sleeps: list[float] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)

    def clock(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)

    def on_request(self, status: int) -> None:
        self.requests.append(status)

    def context(self) -> Context:
        """A connector Context over this fake time."""
        return Context(clock=self.clock, sleep=self.sleep, on_request=self.on_request)


@dataclass
class Recorder(FakeTime):
    """Fake time that also notes when each request was answered: seconds after the start
    on the injected clock, and the status."""

    answered: list[tuple[float, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.start = self.now

    def on_request(self, status: int) -> None:
        super().on_request(status)
        self.answered.append(((self.now - self.start).total_seconds(), status))


def crashing(connector: type[Any], after: int) -> type[Any]:
    """`connector`, dying (like the process) once `after` pages were handed to the runner."""

    class Crashing(connector):  # type: ignore[misc, valid-type]
        def fetch_changed(
            self, state: Mapping[str, PartitionState], *, full: bool = False
        ) -> Iterator[Page]:
            for number, page in enumerate(super().fetch_changed(state, full=full), 1):
                yield page
                if number == after:
                    raise Crash

    return Crashing
