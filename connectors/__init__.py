"""Tracker connectors: turn tracker pages into normalised items; know nothing of the service."""

from connectors.base import (
    Connector,
    Context,
    ItemError,
    ItemRef,
    Page,
    PageOrder,
    PartitionState,
    Removal,
)
from connectors.config import ConnectorConfig
from connectors.item import Change, HistoryField, Item, ItemState, ItemType
from connectors.registry import load_connectors

State = PartitionState

__all__ = [
    "Change",
    "Connector",
    "ConnectorConfig",
    "Context",
    "HistoryField",
    "Item",
    "ItemError",
    "ItemRef",
    "ItemState",
    "ItemType",
    "Page",
    "PageOrder",
    "PartitionState",
    "Removal",
    "State",
    "load_connectors",
]
