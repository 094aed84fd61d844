"""`followthrough check`: run each source's connector check and show what it found.

No database is touched: the check is about the config and the trackers. A connector that
raises anyway (a bug, or a plug-in without `check`) becomes a failed finding, so one
source never hides the others' results.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rich.markup import escape
from rich.table import Table

from connectors.base import CheckReport, Connector, Context, Finding
from service.clock import Clock
from service.config import SourceSettings

log = logging.getLogger(__name__)

PASSED = "[green]ok[/]"
FAILED = "[red]FAILED[/]"


@dataclass(frozen=True)
class SourceCheck:
    """One source's check: its name, kind, URL and the connector's report."""

    source: str
    kind: str
    url: str
    report: CheckReport


def check_sources(
    sources: Sequence[SourceSettings], connectors: Mapping[str, type[Connector]], clock: Clock
) -> list[SourceCheck]:
    """Check every source in turn."""
    return [_check(source, connectors[source.kind], clock) for source in sources]


def _check(source: SourceSettings, kind: type[Connector], clock: Clock) -> SourceCheck:
    url = str(source.connector.url or "")
    context = Context(clock=clock.now, sleep=clock.sleep, on_request=lambda _: None)
    try:
        connector = kind(source.connector, context)
    except Exception as error:  # a plug-in may fail in any way; report it for this source
        return SourceCheck(source.name, source.kind, url, _broken("set up", error))
    try:
        if not hasattr(connector, "check"):
            finding = Finding("check", False, f"the {source.kind} connector offers no check")
            return SourceCheck(source.name, source.kind, url, CheckReport(None, [finding]))
        return SourceCheck(source.name, source.kind, url, connector.check())
    except Exception as error:
        log.exception("check of %s failed unexpectedly", source.name)
        return SourceCheck(source.name, source.kind, url, _broken("check", error))
    finally:
        connector.close()


def _broken(step: str, error: Exception) -> CheckReport:
    detail = f"internal error: {type(error).__name__}: {error}"
    return CheckReport(None, [Finding(step, False, detail)])


def check_table(checks: Sequence[SourceCheck], redact: Callable[[str], str]) -> Table:
    """Every finding as a row under its source; `redact` cleans details of secrets."""
    passed = sum(1 for check in checks if check.report.ok)
    table = Table(title=f"check: {passed} of {len(checks)} sources ok")
    table.add_column("source", no_wrap=True)
    table.add_column("check", no_wrap=True)
    table.add_column("result", no_wrap=True)
    table.add_column("detail", overflow="fold")
    for check in checks:
        heading = f"[bold]{escape(check.source)}[/] ({check.kind})"
        table.add_row(heading, "url", "", escape(redact(check.url)))
        for finding in check.report.findings:
            table.add_row(
                "",
                escape(finding.subject),
                PASSED if finding.ok else FAILED,
                escape(redact(finding.detail)),
            )
        table.add_section()
    return table
