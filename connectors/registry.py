"""Find connector plug-ins through the `followthrough.connectors` entry-point group.

A plug-in that fails to load is reported by name, never silently skipped.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from connectors.base import Connector

ENTRY_POINT_GROUP = "followthrough.connectors"

_registered: dict[str, type[Connector]] = {}


class PluginLoadError(Exception):
    """A connector plug-in could not be loaded; the message names it."""


def register(kind: str, connector: type[Connector]) -> None:
    """Add a connector class by hand (tests, embedding): it wins over an entry point."""
    _registered[kind] = connector


def unregister(kind: str) -> None:
    """Remove a connector added with `register`."""
    _registered.pop(kind, None)


def load_connectors() -> dict[str, type[Connector]]:
    """All installed connectors by kind; raises PluginLoadError naming a broken plug-in."""
    found: dict[str, type[Connector]] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = entry.load()
        except Exception as exc:  # a plug-in may fail in any way; report which one
            raise PluginLoadError(
                f"connector plug-in {entry.name!r} ({entry.value}) failed to load: {exc}"
            ) from exc
        if not isinstance(loaded, type) or getattr(loaded, "kind", None) != entry.name:
            raise PluginLoadError(
                f"connector plug-in {entry.name!r} ({entry.value}) is not a connector class "
                f"of kind {entry.name!r}"
            )
        found[entry.name] = loaded
    found.update(_registered)
    return found
