"""Plug-in discovery: entry points plus hand registration; a broken plug-in is named."""

from __future__ import annotations

import pytest

from connectors import registry
from connectors.registry import PluginLoadError, load_connectors, register, unregister
from tests.support.scripted import KIND_ASC, KIND_DESC, AscendingConnector, NewestFirstConnector


class FakeEntryPoint:
    """Stands in for importlib.metadata.EntryPoint."""

    def __init__(self, name: str, loads: object = None, fails: Exception | None = None) -> None:
        self.name = name
        self.value = f"plugins.{name}:Connector"
        self._loads = loads
        self._fails = fails

    def load(self) -> object:
        if self._fails is not None:
            raise self._fails
        return self._loads


def with_entry_points(monkeypatch: pytest.MonkeyPatch, *entries: FakeEntryPoint) -> None:
    def fake_entry_points(*, group: str) -> list[FakeEntryPoint]:
        assert group == registry.ENTRY_POINT_GROUP
        return list(entries)

    monkeypatch.setattr(registry, "entry_points", fake_entry_points)


def test_load_connectors_includes_the_registered_scripted_kinds():
    found = load_connectors()
    assert found[KIND_ASC] is AscendingConnector
    assert found[KIND_DESC] is NewestFirstConnector


def test_load_connectors_returns_entry_point_plugins_by_name(monkeypatch):
    class Loaded(AscendingConnector):
        kind = "from-entry-point"

    with_entry_points(monkeypatch, FakeEntryPoint("from-entry-point", loads=Loaded))
    assert load_connectors()["from-entry-point"] is Loaded


def test_a_plugin_that_fails_to_import_is_reported_by_name(monkeypatch):
    broken = FakeEntryPoint("jira", fails=ImportError("No module named 'jira'"))
    with_entry_points(monkeypatch, broken)
    with pytest.raises(PluginLoadError, match=r"'jira'.*No module named 'jira'") as raised:
        load_connectors()
    assert isinstance(raised.value.__cause__, ImportError)


@pytest.mark.parametrize("loads", [object(), AscendingConnector], ids=["not-a-class", "wrong-kind"])
def test_a_plugin_that_is_not_a_connector_of_its_kind_is_reported_by_name(monkeypatch, loads):
    with_entry_points(monkeypatch, FakeEntryPoint("linear", loads=loads))
    with pytest.raises(PluginLoadError, match="'linear'"):
        load_connectors()


def test_a_registered_connector_wins_over_an_entry_point(monkeypatch):
    class FromEntryPoint(AscendingConnector):
        kind = KIND_ASC

    with_entry_points(monkeypatch, FakeEntryPoint(KIND_ASC, loads=FromEntryPoint))
    assert load_connectors()[KIND_ASC] is AscendingConnector


def test_register_and_unregister_add_and_remove_a_kind():
    register("hand-made", NewestFirstConnector)
    try:
        assert load_connectors()["hand-made"] is NewestFirstConnector
    finally:
        unregister("hand-made")
    assert "hand-made" not in load_connectors()


def test_unregistering_an_unknown_kind_is_harmless():
    unregister("never-registered")
