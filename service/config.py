"""Settings from the YAML config file plus `${VAR}` environment references; strict.

The service validates the top level and the keys every source shares; each connector's
config model validates its own kind's keys. Every error names the key and where it is,
and never echoes a value (a value may be a secret).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from connectors.base import Connector
from connectors.config import DEFAULT_INCIDENT_PATTERN, DEFAULT_LABEL, ConnectorConfig, RegexPattern
from service.review.policy import PRESETS

DEFAULT_CONFIG_PATH = "followthrough.yaml"
CONFIG_ENV = "FOLLOWTHROUGH_CONFIG"
SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
SERVICE_SOURCE_KEYS = frozenset({"name", "kind", "poll_interval", "token_file"})
INHERITED_SOURCE_KEYS = ("label", "incident_pattern")
REDACTED = "[redacted]"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_DATABASE_SCHEMES = ("sqlite", "postgresql", "postgres")
_Model = TypeVar("_Model", bound=BaseModel)


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key, place or variable."""


def parse_duration(value: object) -> timedelta:
    """`<n>s|m|h|d` (e.g. `5m`) as a positive timedelta."""
    if isinstance(value, timedelta):
        duration = value
    elif isinstance(value, str) and (match := _DURATION.match(value.strip())):
        duration = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    else:
        raise ValueError("must be a duration like 30s, 5m, 1h or 7d")
    if duration <= timedelta(0):
        raise ValueError("must be a duration longer than zero")
    return duration


def _not_bool(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("must be a whole number, not true/false")
    return value


def _database_url(value: str) -> str:
    """Accept SQLite and PostgreSQL URLs; the message never repeats the URL (password)."""
    try:
        scheme = make_url(value).get_backend_name()
    except ArgumentError:
        raise ValueError("is not a database URL like sqlite:///./followthrough.db") from None
    if scheme not in _DATABASE_SCHEMES:
        raise ValueError(f"must be a sqlite:// or postgresql:// URL (got scheme {scheme!r})")
    return value


def mask_database_url(url: str) -> str:
    """The URL with any password replaced, for display."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return REDACTED


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def _policy_preset(value: object) -> object:
    """`due_date_policy`: a preset's name becomes its windows; a mapping passes as given."""
    if isinstance(value, str):
        if value not in PRESETS:
            raise ValueError(f"unknown preset {value!r} (presets: {', '.join(sorted(PRESETS))})")
        return PRESETS[value]
    return value


DueDatePolicyWindows = Annotated[dict[str, Duration], BeforeValidator(_policy_preset)]
WholeNumber = Annotated[int, BeforeValidator(_not_bool)]
DatabaseUrl = Annotated[str, AfterValidator(_database_url)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RateLimit(_Strict):
    """At most `requests` per `per` for one client (a token bucket: bursts up to `requests`)."""

    requests: int = Field(ge=1)
    per: Duration


_RATE = re.compile(r"^(\d+)\s*/\s*(\S+)$")
DEFAULT_RATE_LIMIT = RateLimit(requests=600, per=timedelta(minutes=1))


def _rate_limit(value: object) -> object:
    """`api.rate_limit`: `<requests>/<duration>` (e.g. `600/1m`), or `off` (YAML's bare
    `off` is false) / null to turn the limit off."""
    if value is None or value is False or (isinstance(value, str) and value.strip() == "off"):
        return None
    if isinstance(value, RateLimit):
        return value
    match = _RATE.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError("must be <requests>/<duration> like 600/1m, or off")
    requests = int(match.group(1))
    if requests < 1:
        raise ValueError("must allow at least 1 request per period (or be off)")
    try:
        per = parse_duration(match.group(2))
    except ValueError:
        raise ValueError("the period after / must be a duration like 30s, 1m or 1h") from None
    return RateLimit(requests=requests, per=per)


class ApiSettings(_Strict):
    """Bearer tokens for the REST API: read tokens gate reads, admin tokens gate writes;
    `rate_limit` caps each client's requests (per replica, in memory)."""

    read_tokens: list[SecretStr] = Field(default_factory=list)
    admin_tokens: list[SecretStr] = Field(default_factory=list)
    rate_limit: Annotated[RateLimit | None, BeforeValidator(_rate_limit)] = DEFAULT_RATE_LIMIT

    @field_validator("read_tokens", "admin_tokens")
    @classmethod
    def _not_empty(cls, tokens: list[SecretStr]) -> list[SecretStr]:
        for index, token in enumerate(tokens):
            if not token.get_secret_value():
                raise ValueError(f"token [{index}] is empty (is its variable set to ''?)")
        return tokens


class SourceSettings(_Strict):
    """One configured source: the service's keys plus its connector's validated config."""

    name: str
    kind: str
    poll_interval: Duration = timedelta(minutes=5)
    connector: ConnectorConfig


class Settings(_Strict):
    """The whole validated configuration."""

    database_url: DatabaseUrl = "sqlite:///./followthrough.db"
    label: str = Field(default=DEFAULT_LABEL, min_length=1)
    stale_after_days: WholeNumber = Field(default=30, ge=1)
    incident_pattern: RegexPattern = DEFAULT_INCIDENT_PATTERN
    reconcile_interval: Duration = timedelta(hours=1)
    lease_ttl: Duration = timedelta(minutes=2)
    log_format: Literal["text", "json"] = "text"
    people: dict[str, list[str]] = Field(default_factory=dict)
    due_date_policy: DueDatePolicyWindows = Field(default_factory=dict)
    api: ApiSettings = Field(default_factory=ApiSettings)
    sources: list[SourceSettings] = Field(default_factory=list)

    @field_validator("people")
    @classmethod
    def _one_person_per_name(cls, people: dict[str, list[str]]) -> dict[str, list[str]]:
        owner_of: dict[str, str] = {}
        for person, aliases in people.items():
            for name in {person.casefold(), *(alias.casefold() for alias in aliases)}:
                other = owner_of.setdefault(name, person)
                if other != person:
                    raise ValueError(f"the name {name!r} belongs to both {other!r} and {person!r}")
        return people

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: list[SourceSettings]) -> list[SourceSettings]:
        seen: set[str] = set()
        for source in sources:
            if source.name in seen:
                raise ValueError(f"source name {source.name!r} is used twice")
            seen.add(source.name)
        return sources

    def source(self, name: str) -> SourceSettings | None:
        """The configured source called `name`, if any."""
        return next((s for s in self.sources if s.name == name), None)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            yield name, mask_database_url(value) if name == "database_url" else value


def config_path(explicit: str | None) -> Path:
    """The config file to read: `--config`, else $FOLLOWTHROUGH_CONFIG, else the default."""
    return Path(explicit or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG_PATH)


def load_settings(
    path: Path,
    connectors: Mapping[str, type[Connector]],
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Read, substitute and validate the config file at `path`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {_yaml_problem(exc)}") from None
    return parse_settings(
        data if data is not None else {},
        connectors,
        env=os.environ if env is None else env,
        base_dir=path.parent,
        origin=str(path),
    )


def parse_settings(
    data: object,
    connectors: Mapping[str, type[Connector]],
    *,
    env: Mapping[str, str],
    base_dir: Path = Path(),
    origin: str = "config",
) -> Settings:
    """Validate already-parsed config data; raises ConfigError naming every problem found."""
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: the top level must be a mapping of keys")
    data = dict(_substitute(data, env, "", origin))
    raw_sources = data.pop("sources", None)
    if raw_sources is None:
        raw_sources = []
    if not isinstance(raw_sources, list):
        raise ConfigError(f"{origin}: sources: must be a list of sources")
    top = _validate(Settings, data, origin, "")
    problems: list[str] = []
    sources: list[SourceSettings] = []
    for index, raw in enumerate(raw_sources):
        try:
            sources.append(_source(raw, index, top, connectors, base_dir, origin))
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("\n".join(problems))
    return _validate(Settings, {**data, "sources": sources}, origin, "")


def _source(
    raw: object,
    index: int,
    top: Settings,
    connectors: Mapping[str, type[Connector]],
    base_dir: Path,
    origin: str,
) -> SourceSettings:
    place = f"sources[{index}]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{origin}: {place}: must be a mapping of keys")
    name = raw.get("name")
    if name is None:
        raise ConfigError(f"{origin}: {place}: missing key 'name'")
    if not isinstance(name, str) or not SOURCE_NAME.match(name):
        raise ConfigError(f"{origin}: {place}.name: must match [a-z0-9][a-z0-9_-]*")
    place = f"{place} ({name})"
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in connectors:
        installed = ", ".join(sorted(connectors)) or "none"
        problem = "missing key 'kind'" if kind is None else f"kind {kind!r} is not installed"
        raise ConfigError(f"{origin}: {place}: {problem} (installed kinds: {installed})")
    service_keys = {k: v for k, v in raw.items() if k in SERVICE_SOURCE_KEYS - {"token_file"}}
    connector_keys = {k: v for k, v in raw.items() if k not in SERVICE_SOURCE_KEYS}
    for key in INHERITED_SOURCE_KEYS:
        connector_keys.setdefault(key, getattr(top, key))
    connector_keys["name"] = name
    if "token_file" in raw:
        if "token" in connector_keys:
            raise ConfigError(f"{origin}: {place}: sets both token and token_file; keep one")
        connector_keys["token"] = _read_token_file(raw["token_file"], base_dir, origin, place)
    token = connector_keys.get("token")
    if token == "":
        raise ConfigError(f"{origin}: {place}.token: is empty (is its variable set to ''?)")
    secrets = [token] if isinstance(token, str) else []
    connector = _validate(connectors[kind].config_model, connector_keys, origin, place, secrets)
    return _validate(
        SourceSettings, {**service_keys, "connector": connector}, origin, place, secrets
    )


def _read_token_file(value: object, base_dir: Path, origin: str, place: str) -> str:
    """The stripped contents of a token file; a relative path is from the config's folder."""
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{origin}: {place}.token_file: must be a file path")
    path = Path(value) if Path(value).is_absolute() else base_dir / value
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(
            f"{origin}: {place}.token_file: {path} cannot be read: {exc.strerror or exc}"
        ) from None
    if not token:
        raise ConfigError(f"{origin}: {place}.token_file: {path} is empty")
    return token


def _substitute(value: Any, env: Mapping[str, str], place: str, origin: str) -> Any:
    """Replace `${VAR}` in every string; a missing variable is an error naming it."""
    if isinstance(value, str):

        def lookup(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in env:
                where = place or "top level"
                raise ConfigError(f"{origin}: {where}: environment variable {name} is not set")
            return env[name]

        return _ENV_REF.sub(lookup, value)
    if isinstance(value, dict):
        return {k: _substitute(v, env, _join(place, str(k)), origin) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, env, f"{place}[{i}]", origin) for i, v in enumerate(value)]
    return value


def _validate(
    model: type[_Model],
    data: Mapping[str, Any],
    origin: str,
    place: str,
    secrets: list[str] | None = None,
) -> _Model:
    """`model.model_validate(data)`, turning a ValidationError into a ConfigError."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        message = _describe(exc, origin, place, secrets or [])
    raise ConfigError(message)


def _describe(error: ValidationError, origin: str, place: str, secrets: list[str]) -> str:
    """One line per problem, each naming the key and its place; never echoes a value."""
    lines = []
    for problem in error.errors(include_input=False, include_url=False):
        loc = [part for part in problem["loc"] if part != "connector"]
        if problem["type"] == "extra_forbidden":
            parent = _join(place, _loc(loc[:-1])) or "top level"
            line = f"{origin}: {parent}: unknown key {str(loc[-1])!r}"
        else:
            where = _join(place, _loc(loc)) or "top level"
            message = str(problem["msg"]).removeprefix("Value error, ")
            line = f"{origin}: {where}: {message}"
        for secret in secrets:
            line = line.replace(secret, REDACTED)
        lines.append(line)
    return "\n".join(lines)


def _loc(parts: list[int | str]) -> str:
    """A pydantic error location as `key.sub[0].key`."""
    text = ""
    for part in parts:
        text = f"{text}[{part}]" if isinstance(part, int) else _join(text, part)
    return text


def _join(place: str, key: str) -> str:
    if not key:
        return place
    return f"{place}.{key}" if place else key


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a key given twice in one mapping is an error."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[tuple[str, str]] = set()
        for key_node, _value in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            key = (key_node.tag, key_node.value)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key_node.value!r} appears twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


def _yaml_problem(error: yaml.YAMLError) -> str:
    """Where and what, without the snippet PyYAML quotes (the line may hold a token)."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        context = f"{error.context}: " if error.context else ""
        return f"{context}{error.problem} (line {mark.line + 1}, column {mark.column + 1})"
    return type(error).__name__
