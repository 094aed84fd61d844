"""Settings from the YAML config file plus `${VAR}` environment references; strict.

The service validates the top level and the keys every source shares; each connector's
config model validates its own kind's keys. Every error names the key and where it is.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)

from connectors.base import Connector
from connectors.config import DEFAULT_INCIDENT_PATTERN, DEFAULT_LABEL, ConnectorConfig, RegexPattern

DEFAULT_CONFIG_PATH = "followthrough.yaml"
CONFIG_ENV = "FOLLOWTHROUGH_CONFIG"
SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
SERVICE_SOURCE_KEYS = frozenset({"name", "kind", "poll_interval", "token_file"})


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key, place or variable."""


def parse_duration(value: object) -> timedelta:
    """`<n>s|m|h|d` (e.g. `5m`) as a timedelta; a bare number is seconds."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return timedelta(seconds=value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    raise ValueError(f"not a duration like 30s, 5m, 1h or 7d: {value!r}")


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ApiSettings(_Strict):
    """Bearer tokens for the REST API: read tokens gate reads, admin tokens gate writes."""

    read_tokens: list[SecretStr] = Field(default_factory=list)
    admin_tokens: list[SecretStr] = Field(default_factory=list)


class SourceSettings(_Strict):
    """One configured source: the service's keys plus its connector's validated config."""

    name: str
    kind: str
    poll_interval: Duration = timedelta(minutes=5)
    connector: ConnectorConfig


class Settings(_Strict):
    """The whole validated configuration."""

    database_url: str = "sqlite:///./followthrough.db"
    label: str = DEFAULT_LABEL
    stale_after_days: int = Field(default=30, ge=1)
    incident_pattern: RegexPattern = DEFAULT_INCIDENT_PATTERN
    reconcile_interval: Duration = timedelta(hours=1)
    lease_ttl: Duration = timedelta(minutes=2)
    people: dict[str, list[str]] = Field(default_factory=dict)
    api: ApiSettings = Field(default_factory=ApiSettings)
    sources: list[SourceSettings] = Field(default_factory=list)

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
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
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
    """Validate already-parsed config data; raises ConfigError naming the problem."""
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: the top level must be a mapping of keys")
    data = dict(_substitute(data, env, ""))
    raw_sources = data.pop("sources", None) or []
    if not isinstance(raw_sources, list):
        raise ConfigError(f"{origin}: 'sources' must be a list")
    top = {"label": data.get("label", DEFAULT_LABEL)}
    top["incident_pattern"] = data.get("incident_pattern", DEFAULT_INCIDENT_PATTERN)
    sources = [
        _source(raw, index, top, connectors, base_dir, origin)
        for index, raw in enumerate(raw_sources)
    ]
    try:
        return Settings.model_validate({**data, "sources": sources})
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origin, "")) from None


def _source(
    raw: object,
    index: int,
    top: Mapping[str, Any],
    connectors: Mapping[str, type[Connector]],
    base_dir: Path,
    origin: str,
) -> SourceSettings:
    place = f"sources[{index}]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{origin}: {place} must be a mapping of keys")
    name = raw.get("name")
    if not isinstance(name, str) or not SOURCE_NAME.match(name):
        raise ConfigError(f"{origin}: {place}.name must match [a-z0-9][a-z0-9_-]* (got {name!r})")
    place = f"{place} ({name})"
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in connectors:
        installed = ", ".join(sorted(connectors)) or "none"
        raise ConfigError(
            f"{origin}: {place}.kind {kind!r} is not an installed connector "
            f"(installed kinds: {installed})"
        )
    service_keys = {k: v for k, v in raw.items() if k in SERVICE_SOURCE_KEYS}
    connector_keys = {k: v for k, v in raw.items() if k not in SERVICE_SOURCE_KEYS and k != "kind"}
    connector_keys.setdefault("label", top["label"])
    connector_keys.setdefault("incident_pattern", top["incident_pattern"])
    connector_keys["name"] = name
    token_file = service_keys.pop("token_file", None)
    if token_file is not None:
        if "token" in connector_keys:
            raise ConfigError(f"{origin}: {place} sets both token and token_file; keep one")
        connector_keys["token"] = _read_token_file(token_file, base_dir, origin, place)
    model = connectors[kind].config_model
    try:
        connector = model.model_validate(connector_keys)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origin, place)) from None
    try:
        return SourceSettings.model_validate({**service_keys, "kind": kind, "connector": connector})
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origin, place)) from None


def _read_token_file(value: object, base_dir: Path, origin: str, place: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{origin}: {place}.token_file must be a file path")
    path = Path(value) if Path(value).is_absolute() else base_dir / value
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(
            f"{origin}: {place}.token_file {path} cannot be read: {exc.strerror or exc}"
        ) from None
    if not token:
        raise ConfigError(f"{origin}: {place}.token_file {path} is empty")
    return token


def _substitute(value: Any, env: Mapping[str, str], place: str) -> Any:
    """Replace `${VAR}` in every string; a missing variable is an error naming it."""
    if isinstance(value, str):

        def lookup(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in env:
                where = f" (used at {place})" if place else ""
                raise ConfigError(f"environment variable {name} is not set{where}")
            return env[name]

        return _ENV_REF.sub(lookup, value)
    if isinstance(value, dict):
        return {k: _substitute(v, env, _join(place, str(k))) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, env, f"{place}[{i}]") for i, v in enumerate(value)]
    return value


def _join(place: str, key: str) -> str:
    return f"{place}.{key}" if place else key


def _describe(error: ValidationError, origin: str, place: str) -> str:
    """One line per problem, each naming the key and its place; never echoes secrets."""
    lines = []
    for problem in error.errors():
        parts = [str(part) for part in problem["loc"] if part != "connector"]
        if problem["type"] == "extra_forbidden":
            parent = _join(place, ".".join(parts[:-1])) or "top level"
            lines.append(f"{origin}: {parent}: unknown key {parts[-1]!r}")
        else:
            where = _join(place, ".".join(parts)) or "top level"
            lines.append(f"{origin}: {where}: {problem['msg']}")
    return "\n".join(lines)
