"""Date arithmetic as SQL functions that compile for both SQLite and PostgreSQL.

The definitions need day differences and text-to-date casts; the two databases spell
them differently, so each is a small SQL construct with one compilation per dialect.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, Float
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
