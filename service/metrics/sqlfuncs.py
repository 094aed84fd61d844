"""Date arithmetic as SQL functions that compile for both SQLite and PostgreSQL.

The definitions need day differences and text-to-date casts; the two databases spell
them differently, so each is a small SQL construct with one compilation per dialect.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Boolean, Date, Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class days_between(FunctionElement[float]):  # noqa: N801 (SQL function naming)
    """Fractional days from the second timestamp to the first: `(later - earlier)` in days."""

    type = Float()
    inherit_cache = True
    name = "days_between"


class text_as_date(FunctionElement[date]):  # noqa: N801
    """A `YYYY-MM-DD` text value (as history stores due dates) read as a date."""

    type = Date()
    inherit_cache = True
    name = "text_as_date"


def _args(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(clause, **kw) for clause in element.clauses]


@compiles(days_between)
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _args(element, compiler, **kw)
    return f"(julianday({later}) - julianday({earlier}))"


@compiles(days_between, "postgresql")
def _days_between_postgresql(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _args(element, compiler, **kw)
    return f"(CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION) / 86400.0)"


@compiles(text_as_date)
def _text_as_date_sqlite(element: text_as_date, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _args(element, compiler, **kw)
    return value  # SQLite keeps dates as ISO text, which compares in date order


@compiles(text_as_date, "postgresql")
def _text_as_date_postgresql(element: text_as_date, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _args(element, compiler, **kw)
    return f"CAST({value} AS DATE)"


class week_start(FunctionElement[date]):  # noqa: N801
    """The Monday (UTC) of the week holding a timestamp, as a date."""

    type = Date()
    inherit_cache = True
    name = "week_start"


class month_start(FunctionElement[date]):  # noqa: N801
    """The first day of the month holding a timestamp, as a date."""

    type = Date()
    inherit_cache = True
    name = "month_start"


class at_midnight_of(FunctionElement[bool]):  # noqa: N801
    """Whether a timestamp is exactly 00:00 of a date (a period boundary)."""

    type = Boolean()
    inherit_cache = True
    name = "at_midnight_of"


@compiles(week_start)
def _week_start_sqlite(element: week_start, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _args(element, compiler, **kw)
    return f"date({value}, '-6 days', 'weekday 1')"


@compiles(week_start, "postgresql")
def _week_start_postgresql(element: week_start, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _args(element, compiler, **kw)
    return f"CAST(date_trunc('week', {value}) AS DATE)"


@compiles(month_start)
def _month_start_sqlite(element: month_start, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _args(element, compiler, **kw)
    return f"date({value}, 'start of month')"


@compiles(month_start, "postgresql")
def _month_start_postgresql(element: month_start, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _args(element, compiler, **kw)
    return f"CAST(date_trunc('month', {value}) AS DATE)"


@compiles(at_midnight_of)
def _at_midnight_sqlite(element: at_midnight_of, compiler: SQLCompiler, **kw: Any) -> str:
    instant, day = _args(element, compiler, **kw)
    return f"(julianday({instant}) = julianday({day}))"


@compiles(at_midnight_of, "postgresql")
def _at_midnight_postgresql(element: at_midnight_of, compiler: SQLCompiler, **kw: Any) -> str:
    instant, day = _args(element, compiler, **kw)
    return f"({instant} = CAST({day} AS TIMESTAMP))"
