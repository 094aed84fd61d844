"""`followthrough metrics`: the summary printed with the API's parameters and definitions."""

from __future__ import annotations

from pathlib import Path

from tests.service.test_cli import invoke, restore_logging, trackers, write_config

__all__ = ["restore_logging", "trackers"]  # fixtures shared with the CLI tests


def test_metrics_prints_the_summary_of_synced_items(tmp_path: Path, database_url: str, trackers):
    config = write_config(tmp_path, database_url)
    assert invoke("sync", "--config", str(config)).exit_code == 0

    result = invoke("metrics", "--config", str(config), "--source", "alpha")

    assert result.exit_code == 0, result.output
    assert "summary as of" in result.output
    assert "4 (4 / 0 / 0)" in result.output  # alpha's four open items
    assert "completion rate" in result.output


def test_metrics_rejects_bad_input_naming_the_option(tmp_path: Path, database_url: str):
    config = write_config(tmp_path, database_url)

    bad_as_of = invoke("metrics", "--config", str(config), "--as-of", "noon")
    backwards = invoke(
        "metrics", "--config", str(config), "--from", "2026-02-01", "--to", "2026-01-01"
    )

    assert (bad_as_of.exit_code, backwards.exit_code) == (2, 2)
    assert "--as-of" in bad_as_of.output
    assert "--from" in backwards.output
