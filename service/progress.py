"""The progress `sync` and `demo` show while sources sync: per source, pages, items,
requests and waits.

On a terminal it is a live Rich display, one line per source; elsewhere (CI logs, pipes)
it is plain lines: one per committed page, wait and finished run. It writes to stderr, so
stdout keeps only the summary.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from service.sync.runner import Phase, ProgressCallback, SyncProgress


@contextmanager
def sync_progress(console: Console, sources: Sequence[str]) -> Iterator[ProgressCallback]:
    """A progress callback for the runner, live on a terminal, plain lines otherwise."""
    if console.is_terminal:
        with _LiveProgress(console, sources) as live:
            yield live.update
    else:
        yield _PlainProgress(console).update


def describe(progress: SyncProgress) -> str:
    """One source's progress as words: `3 pages, 250 items (12 changed), 9 requests`."""
    text = (
        f"{_count(progress.pages, 'page')}, "
        f"{_count(progress.items_seen, 'item')} ({progress.items_changed} changed), "
        f"{_count(progress.requests, 'request')}"
    )
    if progress.waits:
        text += f", waited {progress.waits}x ({progress.waited_seconds:.0f}s)"
    return text


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


class _PlainProgress:
    """A line per event, for logs: nothing redraws."""

    def __init__(self, console: Console) -> None:
        self._console = console

    def update(self, progress: SyncProgress) -> None:
        source = escape(progress.source)
        if progress.phase is Phase.WAITING:
            line = f"{source}: waiting (rate limit or retry back-off); {describe(progress)}"
        elif progress.phase is Phase.DONE:
            line = f"{source}: {progress.status}; {describe(progress)}"
        elif progress.phase is Phase.RECONCILING:
            line = f"{source}: reconciling; {describe(progress)}"
        elif progress.pages == 0:
            line = f"{source}: syncing"
        else:
            line = f"{source}: {describe(progress)}"
        self._console.print(line, highlight=False, soft_wrap=True)


class _LiveProgress:
    """A Rich Progress with a task per source; its line shows the phase and the counts."""

    def __init__(self, console: Console, sources: Sequence[str]) -> None:
        self._progress = Progress(
            SpinnerColumn(finished_text="[green]✓[/]"),
            TextColumn("[bold]{task.description}"),
            TextColumn("{task.fields[phase]}"),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}
        for name in sources:
            self._tasks[name] = self._progress.add_task(
                escape(name), total=None, start=False, phase="queued", counts=""
            )

    def __enter__(self) -> _LiveProgress:
        self._progress.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._progress.stop()

    def update(self, progress: SyncProgress) -> None:
        task = self._tasks.get(progress.source)
        if task is None:
            task = self._progress.add_task(escape(progress.source), total=None, phase="", counts="")
            self._tasks[progress.source] = task
        self._progress.start_task(task)
        phase = progress.status if progress.phase is Phase.DONE else progress.phase.value
        colour = {"waiting": "yellow", "success": "green", "partial": "yellow"}.get(phase or "")
        shown = f"[{colour}]{phase}[/]" if colour else str(phase)
        if progress.phase is Phase.DONE and colour is None:
            shown = f"[red]{phase}[/]"
        self._progress.update(task, phase=shown, counts=describe(progress))
        if progress.phase is Phase.DONE:
            self._progress.update(task, total=1, completed=1)
            self._progress.stop_task(task)
