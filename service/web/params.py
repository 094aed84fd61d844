"""The dashboard's GET form: filters and page options parsed from the query string.

A submitted form sends every field, so a blank field means "no filter" here (the API
rejects blanks). Everything else is parsed by the API's own parsers, so a bad value is
the same `BadParameter` naming the same parameter.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from service.metrics.params import MetricFilters, parse_as_of, parse_filters

FILTERS = ("source", "owner", "incident", "type", "as_of")
"""The filters every page takes and reflects in every section."""


@dataclass(frozen=True)
class PageFilters:
    """What every page is filtered by: the aggregates' filters at T."""

    metric: MetricFilters
    as_of: datetime
    sent: dict[str, str]
    """The non-blank filter values as sent, for the form and for links."""

    @property
    def active(self) -> bool:
        """Whether any filter (besides the default T) narrows the page."""
        return any(name != "as_of" for name in self.sent)

    def query(self, **extra: str | None) -> str:
        """A query string (with `?`, or empty) of these filters plus `extra` options."""
        return query_string({**self.sent, **extra})


def form_values(params: Mapping[str, str], names: Iterable[str]) -> dict[str, str]:
    """The named parameters that were sent with a non-blank value."""
    found = {}
    for name in names:
        value = params.get(name)
        if value is not None and value.strip():
            found[name] = value.strip()
    return found


def page_filters(params: Mapping[str, str], sources: Collection[str], now: datetime) -> PageFilters:
    """The filters of a page request; BadParameter naming the first bad one."""
    sent = form_values(params, FILTERS)
    return PageFilters(
        metric=parse_filters(sent, sources),
        as_of=parse_as_of(sent.get("as_of"), now),
        sent=sent,
    )


def query_string(values: Mapping[str, str | None]) -> str:
    """`?a=b&…` of the values that are set, or "" when none is."""
    kept = {name: value for name, value in values.items() if value}
    return f"?{urlencode(kept)}" if kept else ""
