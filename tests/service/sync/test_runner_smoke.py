"""Smoke: a first sync mirrors every tracked item and a repeat sync changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from service.config import SourceSettings
from service.store.models import Item
from service.sync.runner import SyncRunner
from tests.support.scripted import KIND_ASC, ScriptedConfig


def test_first_sync_mirrors_and_repeat_changes_nothing(sessions, clock, tracker):
    for _ in range(7):
        tracker.create()
        tracker.tick()
    source = SourceSettings(name="demo", kind=KIND_ASC, connector=ScriptedConfig(name="demo"))
    runner = SyncRunner(
        sessions,
        clock,
        {KIND_ASC: __import__("tests.support.scripted", fromlist=["x"]).AscendingConnector},
    )
    first = runner.sync(source)
    assert first.status == "success", first.error
    assert first.items_changed == 7
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Item)) == 7
    again = runner.sync(source)
    assert again.status == "success"
    assert again.items_changed == 0
