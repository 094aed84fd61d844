"""Reads a rendered page as a test sees it: elements with their attributes and text.

A small `html.parser` walk, so the page tests need no HTML library: `select` finds
elements by tag, id, class or attribute, the way the browser test finds them by CSS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


@dataclass
class Element:
    """One element: its tag, attributes, text (descendants' included) and ancestors' ids."""

    tag: str
    attrs: dict[str, str]
    within: tuple[str, ...]
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())

    def __getitem__(self, name: str) -> str:
        return self.attrs[name]


class Page(HTMLParser):
    """Every element of an HTML document, in document order."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        within = tuple(e.attrs["id"] for e in self._open if "id" in e.attrs)
        element = Element(tag, {k: v or "" for k, v in attrs}, within)
        self.elements.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self._open.pop()

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.parts.append(data)

    def select(
        self,
        tag: str | None = None,
        *,
        within: str | None = None,
        cls: str | None = None,
        **attrs: str,
    ) -> list[Element]:
        """Elements with this tag, inside the element with id `within`, having class `cls`
        and these attribute values (`data_value="3"` means `data-value="3"`; `True` any)."""
        wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
        return [
            e
            for e in self.elements
            if (tag is None or e.tag == tag)
            and (within is None or within in e.within)
            and (cls is None or cls in e.attrs.get("class", "").split())
            and all(
                name in e.attrs and (value is True or e.attrs[name] == value)
                for name, value in wanted.items()
            )
        ]

    def one(self, tag: str | None = None, **options: str) -> Element:
        """The only element matching `select(tag, **options)`."""
        found = self.select(tag, **options)
        assert len(found) == 1, f"{len(found)} elements match {tag} {options}"
        return found[0]
