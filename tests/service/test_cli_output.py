"""What the CLI shows a person: sync progress (live on a terminal, plain lines otherwise)
and the review packet as tables."""

from __future__ import annotations

import io
import re
from pathlib import Path

from rich.console import Console

from service import cli
from service.progress import describe, sync_progress
from service.sync.runner import Phase, SyncProgress
from tests.service.test_cli import invoke, restore_logging, trackers, write_config

__all__ = ["restore_logging", "trackers"]  # fixtures shared with the CLI tests

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def snapshot(source: str, phase: Phase, pages: int, **counts: object) -> SyncProgress:
    values: dict[str, object] = {
        "items_seen": 0,
        "items_changed": 0,
        "requests": 0,
        "waits": 0,
        "waited_seconds": 0.0,
        "status": None,
    }
    values.update(counts)
    return SyncProgress(source, phase, pages, **values)  # type: ignore[arg-type]


def test_progress_is_described_with_its_counts_and_waits():
    assert describe(snapshot("a", Phase.LISTING, 1, items_seen=1, requests=1)) == (
        "1 page, 1 item (0 changed), 1 request"
    )
    waited = snapshot(
        "a",
        Phase.WAITING,
        3,
        items_seen=250,
        items_changed=12,
        requests=9,
        waits=2,
        waited_seconds=37.0,
    )
    assert describe(waited) == "3 pages, 250 items (12 changed), 9 requests, waited 2x (37s)"


def test_sync_prints_plain_progress_lines_to_stderr_when_not_a_terminal(
    tmp_path: Path, database_url: str, trackers
):
    result = invoke("sync", "--config", str(write_config(tmp_path, database_url)))

    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert "alpha: syncing" in lines
    assert re.search(
        r"^alpha: \d+ pages?, 4 items \(4 changed\), \d+ requests?$", result.stderr, re.M
    )
    assert re.search(r"^alpha: success; \d+ pages?, 4 items", result.stderr, re.M)
    assert re.search(r"^beta: success; \d+ pages?, 2 items", result.stderr, re.M)
    assert "syncing" not in result.stdout  # stdout keeps only the summary


def test_on_a_terminal_progress_is_one_live_line_per_source():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)

    with sync_progress(console, ["alpha", "beta"]) as update:
        update(snapshot("alpha", Phase.LISTING, 0))
        update(
            snapshot(
                "alpha", Phase.WAITING, 2, items_seen=200, requests=3, waits=1, waited_seconds=7.0
            )
        )
        update(
            snapshot(
                "alpha",
                Phase.DONE,
                3,
                items_seen=250,
                items_changed=250,
                requests=5,
                waits=1,
                waited_seconds=7.0,
                status="success",
            )
        )
        update(snapshot("beta", Phase.DONE, 1, items_seen=2, requests=1, status="failed"))

    final = ANSI.sub("", out.getvalue())
    assert "alpha" in final
    assert "beta" in final
    assert "3 pages, 250 items (250 changed), 5 requests, waited 1x (7s)" in final
    assert "success" in final
    assert "failed" in final
    assert "syncing" not in final  # the plain form is for logs only


def test_review_text_shows_the_packet_as_tables(tmp_path: Path, database_url: str, trackers):
    config = write_config(tmp_path, database_url)
    assert invoke("sync", "--config", str(config)).exit_code == 0

    result = invoke("review", "--config", str(config), "--format", "text", "--as-of", "2030-01-01")

    assert result.exit_code == 0, result.output
    output = result.stdout
    for title in (
        "Counts",
        "Overdue (0)",
        "Blocked (0)",
        "Decide: do or drop, stale (6)",
        "Incidents",
        "Since the last review",
    ):
        assert title in output, title
    counts_row = next(line for line in output.splitlines() if line.startswith("│ ") and "6" in line)
    assert counts_row.split("│")[1].strip() == "6"  # active
    assert "ACT-1" in output


def test_review_defaults_to_tables_on_a_terminal(
    tmp_path: Path, database_url: str, trackers, monkeypatch
):
    config = write_config(tmp_path, database_url)
    assert invoke("sync", "--config", str(config)).exit_code == 0
    monkeypatch.setattr(cli, "_console", lambda: Console(force_terminal=True, width=160))

    result = invoke("review", "--config", str(config))

    assert result.exit_code == 0, result.output
    text = ANSI.sub("", result.stdout)
    assert "Incident action review, as of" in text
    assert "# Incident action review" not in text
