"""The optional `people:` map: one person's names across trackers, joined under one key.

An owner filter naming a key or any alias matches all of that person's names
(case-insensitively), and outputs show the key in place of an alias.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class People:
    """Lookups over the `people:` map (display key -> aliases)."""

    groups: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def names_for(self, owner: str) -> frozenset[str]:
        """Lower-cased owner names an `owner=` filter value matches."""
        wanted = owner.lower()
        names = {wanted}
        for key, aliases in self.groups.items():
            group = {key.lower(), *(alias.lower() for alias in aliases)}
            if wanted in group:
                names |= group
        return frozenset(names)

    def display(self, name: str) -> str:
        """The map's key when `name` is a key or alias (case-insensitively), else `name`."""
        wanted = name.lower()
        for key, aliases in self.groups.items():
            if wanted == key.lower() or any(wanted == alias.lower() for alias in aliases):
                return key
        return name

    def display_all(self, names: Sequence[str]) -> list[str]:
        """Each name as displayed."""
        return [self.display(name) for name in names]
