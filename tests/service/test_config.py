"""The config file: strict keys, `${VAR}`, durations, token files, sources and secrets."""

from __future__ import annotations

import traceback
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.registry import load_connectors
from service.config import (
    CONFIG_ENV,
    ConfigError,
    Settings,
    config_path,
    load_settings,
    parse_duration,
    parse_settings,
)
from tests.support.scripted import KIND_ASC, KIND_DESC, ScriptedConfig

CANARY = "canary-5f1d9a7e-do-not-print"
REPO_ROOT = Path(__file__).resolve().parents[2]


def parse(data: dict[str, Any], env: dict[str, str] | None = None) -> Settings:
    return parse_settings(data, load_connectors(), env=env or {})


def error_of(data: object, env: dict[str, str] | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_settings(data, load_connectors(), env=env or {})
    return caught.value


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def scripted_source(name: str = "demo", **keys: object) -> dict[str, object]:
    return {"name": name, "kind": KIND_ASC, **keys}


# --- a valid file -------------------------------------------------------------------


def test_an_empty_file_gives_the_documented_defaults(tmp_path):
    settings = load_settings(write(tmp_path / "f.yaml", ""), load_connectors(), env={})
    assert settings.database_url == "sqlite:///./followthrough.db"
    assert settings.label == "incident-action"
    assert settings.stale_after_days == 30
    assert settings.incident_pattern == r"\bINC-\d+\b"
    assert settings.reconcile_interval == timedelta(hours=1)
    assert settings.lease_ttl == timedelta(minutes=2)
    assert settings.people == {}
    assert settings.api.read_tokens == []
    assert settings.sources == []


def test_the_example_file_in_the_repository_is_valid():
    settings = load_settings(REPO_ROOT / "followthrough.example.yaml", load_connectors(), env={})
    assert settings.sources == []


def test_a_full_file_is_read_with_every_key(tmp_path):
    text = """
database_url: postgresql+psycopg://ft@db:5432/ft
label: follow-up
stale_after_days: 14
incident_pattern: '\\bSEV-\\d+\\b'
reconcile_interval: 2h
lease_ttl: 90s
people:
  Priya Shah: [priya, "priya.s"]
api:
  read_tokens: ["${READ}"]
  admin_tokens: ["${ADMIN}"]
sources:
  - name: first
    kind: scripted
    url: https://tracker.example/
    token: ${FIRST_TOKEN}
    page_size: 10
    poll_interval: 10m
  - name: second_2
    kind: scripted-desc
    label: other-label
    incident_pattern: 'OPS-\\d+'
"""
    env = {"READ": "r-token", "ADMIN": "a-token", "FIRST_TOKEN": "t-1"}
    settings = load_settings(write(tmp_path / "f.yaml", text), load_connectors(), env=env)
    assert settings.stale_after_days == 14
    assert settings.reconcile_interval == timedelta(hours=2)
    assert settings.lease_ttl == timedelta(seconds=90)
    assert settings.people == {"Priya Shah": ["priya", "priya.s"]}
    assert [t.get_secret_value() for t in settings.api.read_tokens] == ["r-token"]
    assert [t.get_secret_value() for t in settings.api.admin_tokens] == ["a-token"]
    first, second = settings.sources
    assert (first.name, first.kind, first.poll_interval) == (
        "first",
        KIND_ASC,
        timedelta(minutes=10),
    )
    assert isinstance(first.connector, ScriptedConfig)
    assert first.connector.name == "first"
    assert first.connector.page_size == 10
    assert first.connector.token is not None
    assert first.connector.token.get_secret_value() == "t-1"
    assert str(first.connector.url) == "https://tracker.example/"
    assert (second.kind, second.poll_interval) == (KIND_DESC, timedelta(minutes=5))
    assert settings.source("second_2") is second
    assert settings.source("missing") is None


def test_sources_inherit_label_and_incident_pattern_unless_they_set_them():
    settings = parse(
        {
            "label": "top-label",
            "incident_pattern": r"TOP-\d+",
            "sources": [
                scripted_source("inherits"),
                scripted_source("overrides", label="own", incident_pattern=r"OWN-\d+"),
            ],
        }
    )
    inherits, overrides = (s.connector for s in settings.sources)
    assert (inherits.label, inherits.incident_pattern) == ("top-label", r"TOP-\d+")
    assert (overrides.label, overrides.incident_pattern) == ("own", r"OWN-\d+")


# --- strictness ---------------------------------------------------------------------


def test_an_unknown_source_key_names_the_key_and_the_source():
    error = error_of({"sources": [scripted_source("ok"), scripted_source("github", repo="x")]})
    assert str(error) == "config: sources[1] (github): unknown key 'repo'"


def test_an_unknown_top_level_key_is_named():
    assert (
        str(error_of({"databse_url": "sqlite://"}))
        == "config: top level: unknown key 'databse_url'"
    )


def test_an_unknown_nested_key_names_its_parent():
    assert str(error_of({"api": {"tokens": []}})) == "config: api: unknown key 'tokens'"


def test_the_file_path_starts_every_message(tmp_path):
    path = write(tmp_path / "followthrough.yaml", "bogus: 1\n")
    with pytest.raises(
        ConfigError, match=r"^.*followthrough\.yaml: top level: unknown key 'bogus'$"
    ):
        load_settings(path, load_connectors(), env={})


def test_every_bad_source_is_reported_together():
    message = str(
        error_of({"sources": [scripted_source("a", nope=1), scripted_source("b", nada=2)]})
    )
    assert "sources[0] (a): unknown key 'nope'" in message
    assert "sources[1] (b): unknown key 'nada'" in message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"stale_after_days": "thirty"}, "stale_after_days: Input should be a valid integer"),
        ({"stale_after_days": True}, "stale_after_days: must be a whole number"),
        ({"stale_after_days": 0}, "stale_after_days: Input should be greater than or equal to 1"),
        ({"label": ["a"]}, "label: Input should be a valid string"),
        ({"people": ["priya"]}, "people: Input should be a valid dictionary"),
        ({"people": {"Priya": "priya"}}, "people.Priya: Input should be a valid list"),
        ({"api": {"read_tokens": "t"}}, "api.read_tokens: Input should be a valid list"),
        ({"api": {"admin_tokens": [1]}}, "api.admin_tokens[0]: Input should be a valid string"),
        ({"sources": {"name": "x"}}, "sources: must be a list of sources"),
        ({"sources": ["x"]}, "sources[0]: must be a mapping of keys"),
        ({"incident_pattern": "(unclosed"}, "incident_pattern: not a valid regular expression"),
        ({"database_url": "mysql://db/x"}, "database_url: must be a sqlite:// or postgresql://"),
        ({"database_url": "not a url"}, "database_url: is not a database URL"),
        (
            {"sources": [scripted_source(page_size="many")]},
            "sources[0] (demo).page_size: Input should be a valid integer",
        ),
        (
            {"sources": [scripted_source(url="ftp://tracker.example")]},
            "sources[0] (demo).url: URL scheme should be 'http' or 'https'",
        ),
        (
            {"sources": [scripted_source(poll_interval="often")]},
            "sources[0] (demo).poll_interval: must be a duration like 30s, 5m, 1h or 7d",
        ),
    ],
)
def test_a_wrong_type_or_value_names_its_place(data, expected):
    assert expected in str(error_of(data))


def test_the_top_level_must_be_a_mapping():
    assert "the top level must be a mapping" in str(error_of(["a", "b"]))


def test_bad_yaml_is_a_config_error_with_its_line(tmp_path):
    path = write(tmp_path / "f.yaml", "label: [unclosed\n")
    with pytest.raises(ConfigError, match=r"not valid YAML: .*\(line 2, column 1\)"):
        load_settings(path, load_connectors(), env={})


def test_a_key_given_twice_is_an_error(tmp_path):
    path = write(tmp_path / "f.yaml", "label: a\nlabel: b\n")
    with pytest.raises(ConfigError, match=r"key 'label' appears twice \(line 2, column 1\)"):
        load_settings(path, load_connectors(), env={})


def test_a_missing_file_is_a_config_error_naming_it(tmp_path):
    with pytest.raises(ConfigError, match=r"cannot read config file .*absent\.yaml"):
        load_settings(tmp_path / "absent.yaml", load_connectors(), env={})


# --- durations ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("5m", timedelta(minutes=5)),
        ("1h", timedelta(hours=1)),
        ("7d", timedelta(days=7)),
        (" 2h ", timedelta(hours=2)),
    ],
)
def test_durations_take_a_count_and_a_unit(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("value", ["300", 300, "5 m", "1.5h", "5M", "5w", "-1m", "m", "", True])
def test_anything_else_is_not_a_duration(value):
    with pytest.raises(ValueError, match="must be a duration like"):
        parse_duration(value)


def test_a_zero_duration_is_refused():
    assert "lease_ttl: must be a duration longer than zero" in str(error_of({"lease_ttl": "0s"}))


# --- ${VAR} -------------------------------------------------------------------------


def test_variables_are_substituted_anywhere_in_a_string():
    settings = parse(
        {"database_url": "sqlite:///${DIR}/ft.db", "sources": [scripted_source(token="${T}")]},
        env={"DIR": "/data", "T": "secret"},
    )
    assert settings.database_url == "sqlite:////data/ft.db"
    token = settings.sources[0].connector.token
    assert token is not None
    assert token.get_secret_value() == "secret"


def test_a_missing_variable_is_an_error_naming_it_and_where_it_is_used():
    error = error_of({"sources": [scripted_source(token="${JIRA_TOKEN}")]}, env={})
    assert str(error) == "config: sources[0].token: environment variable JIRA_TOKEN is not set"


def test_a_missing_variable_in_a_list_names_the_element():
    error = error_of({"api": {"read_tokens": ["${A}", "${B}"]}}, env={"A": "x"})
    assert str(error) == "config: api.read_tokens[1]: environment variable B is not set"


def test_a_token_variable_set_to_nothing_is_refused():
    error = error_of({"sources": [scripted_source(token="${T}")]}, env={"T": ""})
    assert "sources[0] (demo).token: is empty" in str(error)


def test_an_api_token_variable_set_to_nothing_is_refused():
    error = error_of({"api": {"read_tokens": ["${T}"]}}, env={"T": ""})
    assert "api.read_tokens: token [0] is empty" in str(error)


def test_load_settings_reads_the_process_environment_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("FT_TEST_LABEL", "from-env")
    settings = load_settings(write(tmp_path / "f.yaml", "label: ${FT_TEST_LABEL}\n"), {})
    assert settings.label == "from-env"


# --- token_file ---------------------------------------------------------------------


def test_token_file_is_read_relative_to_the_config_files_folder(tmp_path, monkeypatch):
    (tmp_path / "conf" / "secrets").mkdir(parents=True)
    write(tmp_path / "conf" / "secrets" / "token", "from-file\n")
    path = write(
        tmp_path / "conf" / "f.yaml",
        "sources:\n  - {name: demo, kind: scripted, token_file: secrets/token}\n",
    )
    monkeypatch.chdir(tmp_path)
    settings = load_settings(path, load_connectors(), env={})
    token = settings.sources[0].connector.token
    assert token is not None
    assert token.get_secret_value() == "from-file"


def test_an_absolute_token_file_is_read_as_is(tmp_path):
    token_path = write(tmp_path / "token", "abs-token")
    settings = parse({"sources": [scripted_source(token_file=str(token_path))]})
    token = settings.sources[0].connector.token
    assert token is not None
    assert token.get_secret_value() == "abs-token"


def test_token_and_token_file_together_are_refused(tmp_path):
    token_path = write(tmp_path / "token", "x")
    error = error_of({"sources": [scripted_source(token="y", token_file=str(token_path))]})
    assert "sources[0] (demo): sets both token and token_file" in str(error)


def test_an_unreadable_token_file_is_named(tmp_path):
    error = error_of({"sources": [scripted_source(token_file=str(tmp_path / "nope"))]})
    assert "sources[0] (demo).token_file:" in str(error)
    assert "nope cannot be read" in str(error)


def test_an_empty_token_file_is_refused(tmp_path):
    token_path = write(tmp_path / "token", "\n")
    error = error_of({"sources": [scripted_source(token_file=str(token_path))]})
    assert "sources[0] (demo).token_file:" in str(error)
    assert "is empty" in str(error)


# --- sources: name and kind ---------------------------------------------------------


@pytest.mark.parametrize("name", ["Upper", "-lead", "has space", "dot.ted", "", 7])
def test_a_source_name_must_match_the_pattern(name):
    error = error_of({"sources": [scripted_source(name)]})
    assert "sources[0].name: must match [a-z0-9][a-z0-9_-]*" in str(error)


@pytest.mark.parametrize("name", ["a", "0", "jira-prod", "gh_2"])
def test_valid_source_names(name):
    assert parse({"sources": [scripted_source(name)]}).sources[0].name == name


def test_a_source_without_a_name_is_refused():
    assert "sources[0]: missing key 'name'" in str(error_of({"sources": [{"kind": KIND_ASC}]}))


def test_source_names_are_unique():
    error = error_of({"sources": [scripted_source("same"), scripted_source("same")]})
    assert "sources: source name 'same' is used twice" in str(error)


def test_an_unknown_kind_names_the_installed_kinds():
    error = error_of({"sources": [{"name": "yt-prod", "kind": "youtrack"}]})
    assert str(error) == (
        "config: sources[0] (yt-prod): kind 'youtrack' is not installed "
        "(installed kinds: github, jira, linear, scripted, scripted-desc)"
    )


def test_a_source_without_a_kind_names_the_installed_kinds():
    error = error_of({"sources": [{"name": "x"}]})
    assert "sources[0] (x): missing key 'kind' (installed kinds: github, jira, linear," in str(
        error
    )


# --- people -------------------------------------------------------------------------


def test_one_name_may_not_belong_to_two_people():
    error = error_of({"people": {"Priya Shah": ["priya"], "Priya Patel": ["PRIYA"]}})
    assert "people: the name 'priya' belongs to both 'Priya Shah' and 'Priya Patel'" in str(error)


# --- secrets ------------------------------------------------------------------------


def configured_with_canary() -> Settings:
    return parse(
        {
            "database_url": "postgresql+psycopg://ft:${C}@db:5432/ft",
            "api": {"read_tokens": ["${C}"], "admin_tokens": ["${C}"]},
            "sources": [scripted_source(token="${C}")],
        },
        env={"C": CANARY},
    )


def test_repr_and_str_of_settings_hide_every_secret():
    settings = configured_with_canary()
    assert CANARY not in repr(settings)
    assert CANARY not in str(settings)
    assert CANARY not in repr(settings.sources[0])
    assert "ft:***@db" in repr(settings)


def full_output(error: BaseException) -> str:
    return str(error) + repr(error) + "".join(traceback.format_exception(error))


@pytest.mark.parametrize(
    "data",
    [
        {"sources": [scripted_source(token="${C}", page_size="${C}")]},
        {"sources": [scripted_source(token="${C}", url="${C}")]},
        {"sources": [scripted_source(token="${C}", extra="${C}")]},
        {"sources": [scripted_source(token="${C}", label=["${C}"])]},
        {"api": {"read_tokens": [{"t": "${C}"}]}, "sources": [scripted_source(token="${C}")]},
        {"database_url": "nonsense://u:${C}@h", "stale_after_days": "${C}"},
        {"lease_ttl": "${C}", "reconcile_interval": "${C}"},
    ],
)
def test_a_failed_validation_never_shows_a_secret(data):
    error = error_of(data, env={"C": CANARY})
    assert CANARY not in full_output(error)


def test_a_yaml_error_does_not_quote_the_offending_line(tmp_path):
    path = write(tmp_path / "f.yaml", f"sources:\n  - token: '{CANARY}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, load_connectors(), env={})
    assert CANARY not in full_output(caught.value)


# --- where the file is --------------------------------------------------------------


def test_config_path_prefers_the_option_then_the_environment_then_the_default(monkeypatch):
    monkeypatch.setenv(CONFIG_ENV, "/etc/ft/env.yaml")
    assert config_path("given.yaml") == Path("given.yaml")
    assert config_path(None) == Path("/etc/ft/env.yaml")
    monkeypatch.delenv(CONFIG_ENV)
    assert config_path(None) == Path("followthrough.yaml")
