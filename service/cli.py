"""The `followthrough` command line: migrate, sync, items, metrics, review, check, serve,
scheduler, demo; the contract's exit codes.

Exit codes: 0 success; 1 a source failed (a sync run ended `failed` or `rate_limited`) or the
database could not be used; 2 a configuration or usage error (message on stderr, no traceback).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from connectors.base import Connector
from connectors.registry import PluginLoadError, load_connectors
from service import logs, redaction
from service.clock import Clock, SystemClock
from service.config import (
    ConfigError,
    Settings,
    SourceSettings,
    config_path,
    load_settings,
    mask_database_url,
)
from service.db import make_engine, make_session_factory
from service.metrics import params as metric_params
from service.metrics.items import ItemView, item_scope, list_item_views
from service.metrics.params import MetricFilters
from service.metrics.query import ITEM_PARAMS, BadParameter, build_item_query
from service.metrics.summary import Summary, summary
from service.migrate import current_revision, upgrade
from service.progress import sync_progress
from service.store.item_queries import ItemScope
from service.sync.runner import (
    DEFAULT_LEASE_TTL,
    ProgressCallback,
    RunResult,
    SyncAlreadyRunning,
    SyncRunner,
)

if TYPE_CHECKING:
    from fastapi import FastAPI

EXIT_OK = 0
EXIT_SOURCE_FAILED = 1
EXIT_CONFIG = 2
SKIPPED = "skipped"
FAILED_STATUSES = frozenset({"failed", "rate_limited", SKIPPED})
STATUS_COLOURS = {"success": "green", "partial": "yellow"}
PIPE_WIDTH = 160
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000

app = typer.Typer(
    name="followthrough",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals may hold tokens
)

ConfigOption = Annotated[
    str | None,
    typer.Option(
        "--config",
        metavar="PATH",
        help="Config file (default: $FOLLOWTHROUGH_CONFIG, else ./followthrough.yaml).",
        show_default=False,
    ),
]


@app.callback()
def _root(ctx: typer.Context, config: ConfigOption = None) -> None:
    """Mirror incident action items from trackers and report what is overdue, stale or blocked."""
    ctx.obj = config


@app.command()
def migrate(ctx: typer.Context, config: ConfigOption = None) -> None:
    """Upgrade the database schema to the newest revision."""
    settings, _ = _load(ctx, config)
    with _database(settings) as engine:
        upgrade(engine)
        revision = current_revision(engine)
    typer.echo(f"{mask_database_url(settings.database_url)} is at revision {revision}")


@app.command()
def sync(
    ctx: typer.Context,
    source: Annotated[
        str | None, typer.Option("--source", metavar="NAME", help="Sync only this source.")
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Ignore stored cursors and ETags; list everything.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """One sync pass per source, ending with a reconciliation; prints a summary."""
    settings, connectors = _load(ctx, config)
    targets = _targets(settings, source)
    with (
        _database(settings) as engine,
        sync_progress(_progress_console(), [t.name for t in targets]) as progress,
    ):
        upgrade(engine)
        outcomes = sync_sources(
            engine,
            connectors,
            targets,
            SystemClock(),
            full=full,
            lease_ttl=settings.lease_ttl,
            on_progress=progress,
        )
    if not outcomes:
        typer.echo("no sources are configured; nothing to sync")
        return
    redactor = redaction.RedactingFilter(redaction.secret_values(settings))
    _console().print(summary_table(outcomes, redactor.redact))
    failed = [o.source for o in outcomes if o.result.status in FAILED_STATUSES]
    if failed:
        typer.echo(f"failed: {', '.join(failed)}", err=True)
        raise typer.Exit(EXIT_SOURCE_FAILED)


FilterOption = Annotated[str | None, typer.Option(show_default=False)]


@app.command()
def items(
    ctx: typer.Context,
    state: FilterOption = None,
    include_removed: FilterOption = None,
    overdue: FilterOption = None,
    stale: FilterOption = None,
    unowned: FilterOption = None,
    undated: FilterOption = None,
    flag: FilterOption = None,
    owner: FilterOption = None,
    source: FilterOption = None,
    incident: FilterOption = None,
    type: FilterOption = None,
    key: FilterOption = None,
    sort: FilterOption = None,
    as_of: FilterOption = None,
    limit: Annotated[int, typer.Option(min=1, max=5000, help="Rows to show.")] = 100,
    config: ConfigOption = None,
) -> None:
    """A table of items; filters, sorts and values exactly as GET /api/v1/items takes them."""
    settings, _ = _load(ctx, config)
    given = locals()  # the options are named exactly as the API's parameters
    params = {name: given[name] for name in ITEM_PARAMS}
    scope = item_scope(settings)
    clock = SystemClock()
    with _checked_options():
        query = build_item_query(params, sources=list(scope.sources), now=clock.now())
    with _database(settings) as engine, make_session_factory(engine)() as session:
        listing = list_item_views(session, query, scope, now=clock.now(), limit=limit)
    _console().print(items_table(listing.items, query.as_of))
    if listing.next_position is not None:
        typer.echo(f"showing the first {limit}; raise --limit or narrow the filters", err=True)


def items_table(views: Sequence[ItemView], as_of: datetime) -> Table:
    """Items as rows: the columns an on-call lead scans first."""
    table = Table(title=f"{len(views)} items as of {as_of:%Y-%m-%d %H:%M} UTC")
    for heading in ("id", "key", "source", "state", "owner", "age (d)", "due", "overdue"):
        table.add_column(heading, no_wrap=True, justify="right" if heading == "id" else "left")
    table.add_column("flags")
    table.add_column("title", overflow="fold")
    for view in views:
        table.add_row(
            str(view.id),
            escape(view.key),
            escape(view.source),
            view.state,
            escape(view.owner or "-"),
            f"{view.age_days:.0f}",
            view.due_date.isoformat() if view.due_date else "-",
            f"{view.days_overdue}d" if view.days_overdue else "",
            ", ".join(flag.code for flag in view.flags),
            escape(view.title),
        )
    return table


@app.command()
def metrics(
    ctx: typer.Context,
    as_of: FilterOption = None,
    start: Annotated[str | None, typer.Option("--from", show_default=False)] = None,
    to: FilterOption = None,
    owner: FilterOption = None,
    source: FilterOption = None,
    incident: FilterOption = None,
    type: FilterOption = None,
    config: ConfigOption = None,
) -> None:
    """The summary, as GET /api/v1/metrics/summary gives it (same parameters)."""
    settings, _ = _load(ctx, config)
    scope = item_scope(settings)
    now = SystemClock().now()
    raw = {"owner": owner, "source": source, "incident": incident, "type": type}
    with _checked_options():
        filters, instant = _selection(raw, as_of, scope, now)
        window = metric_params.parse_window(start, to, instant)
    with _database(settings) as engine, make_session_factory(engine)() as session:
        found = summary(session, scope, filters, instant, window, now=now)
    _console().print(summary_report(found))


def summary_report(found: Summary) -> Table:
    """The summary as one two-column table: counts, ages, buckets, types, completion."""
    table = Table(title=f"summary as of {found.as_of:%Y-%m-%d %H:%M} UTC", show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")

    def days(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f} d"

    def rate(value: float | None) -> str:
        return "-" if value is None else f"{value:.0%}"

    c = found.completion
    oldest = (
        "-"
        if found.oldest is None
        else f"{escape(found.oldest.key)} ({found.oldest.age_days:.1f} d)"
    )
    rows = [
        (
            "active (open / in progress / blocked)",
            f"{found.active} ({found.open} / {found.in_progress} / {found.blocked})",
        ),
        ("overdue", str(found.overdue)),
        ("stale", str(found.stale)),
        ("unowned", str(found.unowned)),
        ("undated", str(found.undated)),
        ("oldest", oldest),
        ("age p50 / p90", f"{days(found.age_days.p50)} / {days(found.age_days.p90)}"),
        ("age buckets", "  ".join(f"{k}: {v}" for k, v in found.age_buckets.items())),
        ("by type", "  ".join(f"{k}: {v}" for k, v in found.by_type.items())),
        (
            f"created {c.start:%Y-%m-%d} to {c.end:%Y-%m-%d}",
            f"{c.created} ({c.done} done, {c.wont_do} won't do)",
        ),
        ("completion rate / on time", f"{rate(c.completion_rate)} / {rate(c.on_time_rate)}"),
        (
            "time to close p50 / p90",
            f"{days(c.time_to_close_days.p50)} / {days(c.time_to_close_days.p90)}",
        ),
    ]
    for figure, value in rows:
        table.add_row(figure, value)
    return table


class ReviewFormat(StrEnum):
    """Output of `followthrough review`: Rich tables, a Markdown agenda, or the API's JSON."""

    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"


@app.command()
def review(
    ctx: typer.Context,
    output: Annotated[
        ReviewFormat | None,
        typer.Option(
            "--format",
            help="text (tables), a Markdown agenda, or JSON as the API gives. "
            "Default: text on a terminal, markdown when piped.",
            show_default=False,
        ),
    ] = None,
    as_of: FilterOption = None,
    since: FilterOption = None,
    owner: FilterOption = None,
    source: FilterOption = None,
    incident: FilterOption = None,
    type: FilterOption = None,
    config: ConfigOption = None,
) -> None:
    """The review packet, as GET /api/v1/review gives it (same parameters)."""
    from service.api.review_schemas import ReviewOut
    from service.review.console import review_view
    from service.review.markdown import render
    from service.review.packet import packet, parse_since

    settings, _ = _load(ctx, config)
    scope = item_scope(settings)
    now = SystemClock().now()
    raw = {"owner": owner, "source": source, "incident": incident, "type": type}
    with _checked_options():
        filters, instant = _selection(raw, as_of, scope, now)
        start = parse_since(since, instant)
    with _database(settings) as engine, make_session_factory(engine)() as session:
        found = packet(session, scope, filters, instant, start, now=now)
    console = _console()
    if output is None:
        output = ReviewFormat.TEXT if console.is_terminal else ReviewFormat.MARKDOWN
    if output is ReviewFormat.JSON:
        typer.echo(ReviewOut.model_validate(found).model_dump_json(indent=2))
    elif output is ReviewFormat.MARKDOWN:
        typer.echo(render(found), nl=False)
    else:
        console.print(review_view(found))


@app.command()
def check(
    ctx: typer.Context,
    source: Annotated[
        str | None, typer.Option("--source", metavar="NAME", help="Check only this source.")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Validate the config, then per source: reach it, sign in, name the identity, and try
    reading each configured repo, org, project or team. Exits 1 when any source fails."""
    from service.checking import check_sources, check_table

    settings, connectors = _load(ctx, config)
    targets = _targets(settings, source)
    if not targets:
        typer.echo("config is valid; no sources are configured")
        return
    checks = check_sources(targets, connectors, SystemClock())
    redactor = redaction.RedactingFilter(redaction.secret_values(settings))
    _console().print(check_table(checks, redactor.redact))
    failed = [c.source for c in checks if not c.report.ok]
    if failed:
        typer.echo(f"failed: {', '.join(failed)}", err=True)
        raise typer.Exit(EXIT_SOURCE_FAILED)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to bind.")] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(help="Port to bind.")] = DEFAULT_PORT,
    no_scheduler: Annotated[
        bool, typer.Option("--no-scheduler", help="Do not start the scheduler.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Migrate the database (under a lock), then serve the API and poll the sources."""
    settings, connectors = _load(ctx, config)
    _serve(settings, connectors, host, port, scheduler=not no_scheduler)


@app.command()
def scheduler(ctx: typer.Context, config: ConfigOption = None) -> None:
    """Only the scheduler: migrate, then poll every source until SIGTERM or SIGINT."""
    from service.scheduler import run_until_signalled

    settings, connectors = _load(ctx, config)
    with _database(settings) as engine:
        upgrade(engine)
        run_until_signalled(engine, settings, connectors)


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to bind.")] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(help="Port to bind.")] = DEFAULT_PORT,
    seed: Annotated[int, typer.Option(help="Seed of the sample data.")] = 7,
    items: Annotated[
        int,
        typer.Option(
            min=3, max=30_000, help="Action items in all, shared equally by Jira, GitHub, Linear."
        ),
    ] = 300,
) -> None:
    """Fake Jira, GitHub and Linear on loopback with a year of sample incidents, synced with
    the real connectors, then served with the dashboard; needs no config or credentials."""
    from service import demo as sample  # the fake trackers load only for the demo

    problem = bind_problem(host, port)
    if problem is not None:
        _fail(f"cannot serve the demo on {host}:{port}: {problem}; pass --port", EXIT_CONFIG)
    clock = SystemClock()
    connectors = load_connectors()
    with sample.sample_trackers(seed=seed, items=items, now=clock.now()) as sources:
        settings = sample.demo_settings(sample.DEMO_DIR, sources, connectors)
        _set_up_logging(settings)
        names = [s.name for s in settings.sources]
        with (
            _database(settings) as engine,
            sync_progress(_progress_console(), names) as progress,
        ):
            upgrade(engine)
            outcomes = sync_sources(
                engine, connectors, settings.sources, clock, on_progress=progress
            )
        console = _console()
        console.print(summary_table(outcomes, str))
        console.print(f"demo mirror: {sample.DEMO_DIR / 'followthrough.db'}", highlight=False)
        base = f"http://{_url_host(host)}:{port}"
        for label, url in demo_urls(base):
            console.print(f"  {label:<10} {url}", highlight=False, soft_wrap=True)
        console.print("press Ctrl+C to stop", highlight=False)
        sys.stdout.flush()
        _serve(settings, connectors, host, port)


def demo_urls(base: str) -> list[tuple[str, str]]:
    """What the demo serves, by name: the dashboard, the API, its docs and the metrics."""
    return [
        ("dashboard", f"{base}/"),
        ("items", f"{base}/api/v1/items"),
        ("overdue", f"{base}/api/v1/items?overdue=true&sort=-days_overdue"),
        ("summary", f"{base}/api/v1/metrics/summary"),
        ("review", f"{base}/api/v1/review"),
        ("sources", f"{base}/api/v1/sources"),
        ("openapi", f"{base}/openapi.json"),
        ("docs", f"{base}/docs"),
        ("metrics", f"{base}/metrics"),
    ]


def bind_problem(host: str, port: int) -> str | None:
    """Why `host:port` cannot be listened on (in use, not an address here), or None; checked
    before the demo seeds and syncs, so a busy port fails at once."""
    try:
        family = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host.strip("[]"), port))
    except OSError as error:
        return error.strerror or str(error)
    return None


def _url_host(host: str) -> str:
    """`host` as it goes in a URL: IPv6 in brackets, every interface shown as loopback."""
    if host in ("", "0.0.0.0"):  # noqa: S104 - naming the wildcard, not binding it
        return DEFAULT_HOST
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


@dataclass(frozen=True)
class SyncOutcome:
    """One source's run as the summary shows it."""

    source: str
    result: RunResult
    seconds: float


def sync_sources(
    engine: Engine,
    connectors: Mapping[str, type[Connector]],
    sources: Sequence[SourceSettings],
    clock: Clock,
    *,
    full: bool = False,
    lease_ttl: timedelta = DEFAULT_LEASE_TTL,
    on_progress: ProgressCallback | None = None,
) -> list[SyncOutcome]:
    """Sync each source in turn; a failed source is recorded and the next one still runs.

    A source whose lease another sync holds is skipped (and counts as failed); a run left
    open by a process that died is closed as interrupted once its lease has expired.
    `on_progress` sees each run's progress (`service.progress` displays it).
    """
    runner = SyncRunner(
        make_session_factory(engine),
        clock,
        connectors,
        lease_ttl=lease_ttl,
        on_progress=on_progress,
    )
    outcomes = []
    for source in sources:
        started = clock.now()
        try:
            result = runner.sync(source, full=full)
        except SyncAlreadyRunning as busy:
            result = RunResult(busy.run_id or 0, SKIPPED, 0, 0, 0, 0, 0, str(busy))
        seconds = _seconds_between(started, clock.now())
        outcomes.append(SyncOutcome(source.name, result, seconds))
    return outcomes


def summary_table(outcomes: Sequence[SyncOutcome], redact: Callable[[str], str]) -> Table:
    """The per-source summary `sync` prints; `redact` cleans error texts of secrets."""
    table = Table(title="sync summary")
    table.add_column("source", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for heading in ("seen", "changed", "item errors", "removed", "requests", "duration"):
        table.add_column(heading, justify="right")
    table.add_column("error", overflow="fold")
    for outcome in outcomes:
        result = outcome.result
        colour = STATUS_COLOURS.get(result.status, "red")
        table.add_row(
            outcome.source,
            f"[{colour}]{result.status}[/]",
            str(result.items_seen),
            str(result.items_changed),
            str(result.item_errors),
            str(result.items_removed),
            str(result.requests),
            f"{outcome.seconds:.1f}s",
            escape(redact(result.error or "")),
        )
    return table


def exposure_warning(host: str, settings: Settings) -> str | None:
    """A warning when `host` is reachable from other machines and reads need no token."""
    if settings.api.read_tokens or is_loopback(host):
        return None
    return (
        f"binding {host or 'every interface'} with no api.read_tokens configured: "
        "anyone who can reach this port can read every mirrored item. "
        "Set api.read_tokens in the config, or bind 127.0.0.1."
    )


def is_loopback(host: str) -> bool:
    """Whether `host` names only this machine (a hostname other than localhost is not)."""
    host = host.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main() -> None:
    """Console-script entry point."""
    app(prog_name="followthrough")


def _load(ctx: typer.Context, config: str | None) -> tuple[Settings, dict[str, type[Connector]]]:
    """Settings from `--config` (after the command, else before it, else the default)."""
    chosen = config if config is not None else ctx.obj
    return _load_path(config_path(chosen if isinstance(chosen, str) else None))


def _load_path(path: Path) -> tuple[Settings, dict[str, type[Connector]]]:
    try:
        connectors = load_connectors()
        settings = load_settings(path, connectors)
    except (ConfigError, PluginLoadError) as error:
        hint = ""
        if not path.exists():
            hint = (
                "\npass --config PATH or set FOLLOWTHROUGH_CONFIG "
                "(`followthrough demo` needs no config)"
            )
        _fail(f"{error}{hint}", EXIT_CONFIG)
    _set_up_logging(settings)
    return settings, connectors


def _set_up_logging(settings: Settings) -> None:
    """Redacted logging to stderr, as text or JSON lines (`log_format`); httpx's line per
    request is left out (the runner logs each run; the progress display shows requests)."""
    logs.set_up(settings)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _targets(settings: Settings, name: str | None) -> list[SourceSettings]:
    if name is None:
        return list(settings.sources)
    chosen = settings.source(name)
    if chosen is None:
        configured = ", ".join(s.name for s in settings.sources) or "none"
        _fail(f"no source named {name!r} (configured sources: {configured})", EXIT_CONFIG)
    return [chosen]


@contextmanager
def _database(settings: Settings) -> Iterator[Engine]:
    """An engine for the configured database; a connection failure exits 1 with a message."""
    engine = make_engine(settings.database_url)
    try:
        yield engine
    except OperationalError as error:
        where = mask_database_url(settings.database_url)
        _fail(f"cannot use the database {where}: {error.orig}", EXIT_SOURCE_FAILED)
    finally:
        engine.dispose()


def _serve(
    settings: Settings,
    connectors: Mapping[str, type[Connector]],
    host: str,
    port: int,
    *,
    scheduler: bool = False,
) -> None:
    warning = exposure_warning(host, settings)
    if warning:  # a WARNING record for log collectors; a red banner for a person watching
        logging.getLogger(__name__).warning(warning, extra={"event": "exposure_warning"})
        if sys.stderr.isatty():
            Console(stderr=True).print(
                f"WARNING: {warning}", style="bold red", markup=False, highlight=False
            )
    from service.app import create_app  # the web stack loads only for the commands that serve

    with _database(settings) as engine:
        upgrade(engine)
        application = create_app(
            settings, engine=engine, connectors=connectors, scheduler=scheduler
        )
        run_server(application, host, port)


def run_server(application: FastAPI, host: str, port: int) -> None:
    """Serve `application` with uvicorn until interrupted; logging stays ours (redacted)."""
    import uvicorn

    # access_log off: the app's own request log leaves out query strings (service.logs)
    uvicorn.run(application, host=host, port=port, log_config=None, access_log=False)


def _progress_console() -> Console:
    """Standard error, where progress goes so standard output keeps only the summary."""
    return Console(stderr=True)


def _console() -> Console:
    """Standard output; when it is not a terminal (CI logs, pipes), wide enough not to wrap."""
    console = Console()
    return console if console.is_terminal else Console(width=max(console.width, PIPE_WIDTH))


def _selection(
    raw: Mapping[str, str | None], as_of: str | None, scope: ItemScope, now: datetime
) -> tuple[MetricFilters, datetime]:
    """The filter options and `--as-of`, parsed as the API parses its parameters."""
    filters = metric_params.parse_filters(raw, scope.sources)
    return filters, metric_params.parse_as_of(as_of, now)


@contextmanager
def _checked_options() -> Iterator[None]:
    """Parse options as the API parses parameters; a bad one exits 2 naming the option."""
    try:
        yield
    except BadParameter as error:
        _fail(f"--{error.param.replace('_', '-')}: {error.message}", EXIT_CONFIG)


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _seconds_between(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds())
