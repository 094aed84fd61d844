"""Fake time for connector tests: a clock that only moves when something sleeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from connectors.base import Context


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
