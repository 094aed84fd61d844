"""Per-source connector configuration: the common keys every kind shares.

Each connector subclasses `ConnectorConfig` with its kind's keys; unknown keys are errors.
"""

from __future__ import annotations

import re
from typing import Annotated, TypeVar

from pydantic import AfterValidator, AnyHttpUrl, BaseModel, ConfigDict, SecretStr

DEFAULT_LABEL = "incident-action"
DEFAULT_INCIDENT_PATTERN = r"\bINC-\d+\b"


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    return pattern


RegexPattern = Annotated[str, AfterValidator(_compiles)]


class ConnectorConfig(BaseModel):
    """Keys every connector receives. `token` arrives already resolved (from `${VAR}` or
    `token_file`) and stays a `SecretStr` so it never prints."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    url: AnyHttpUrl | None = None
    token: SecretStr | None = None
    label: str = DEFAULT_LABEL
    incident_pattern: RegexPattern = DEFAULT_INCIDENT_PATTERN


ConfigT = TypeVar("ConfigT", bound=ConnectorConfig)


def own_config(config: ConnectorConfig, model: type[ConfigT], connector: str) -> ConfigT:
    """`config` as the connector's own config model; any other is a programming error."""
    if not isinstance(config, model):
        raise TypeError(f"{connector} needs a {model.__name__}, got {type(config).__name__}")
    return config
