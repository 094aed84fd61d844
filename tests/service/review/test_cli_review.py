"""`followthrough review`: the packet as a Markdown agenda or as the API's JSON."""

from __future__ import annotations

import json
from pathlib import Path

from tests.service.test_cli import invoke, restore_logging, trackers, write_config

__all__ = ["restore_logging", "trackers"]  # fixtures shared with the CLI tests


def test_review_prints_the_markdown_agenda(tmp_path: Path, database_url: str, trackers):
    config = write_config(tmp_path, database_url, "due_date_policy: atlassian-4w\n")
    assert invoke("sync", "--config", str(config)).exit_code == 0

    result = invoke("review", "--config", str(config), "--source", "alpha")

    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Incident action review, ")
    assert "| 4 | 4 | 0 | 0 |" in result.output  # alpha's four open items
    assert "## Decide: do or drop (stale)" in result.output


def test_review_json_mirrors_the_api(tmp_path: Path, database_url: str, trackers):
    config = write_config(tmp_path, database_url)
    assert invoke("sync", "--config", str(config)).exit_code == 0

    result = invoke("review", "--config", str(config), "--format", "json", "--as-of", "2030-01-01")

    assert result.exit_code == 0, result.output
    packet = json.loads(result.output)
    assert packet["as_of"] == "2030-01-01T00:00:00Z"
    assert packet["since"] == "2029-12-18T00:00:00Z"
    assert packet["counts"]["active"] == 6
    assert len(packet["stale"]) == 6


def test_review_rejects_bad_input_naming_the_option(tmp_path: Path, database_url: str):
    config = write_config(tmp_path, database_url)

    bad_since = invoke("review", "--config", str(config), "--since", "last week")
    bad_format = invoke("review", "--config", str(config), "--format", "html")

    assert (bad_since.exit_code, bad_format.exit_code) == (2, 2)
    assert "--since" in bad_since.output
