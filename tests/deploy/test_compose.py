"""deploy/compose.yaml: PostgreSQL with a healthcheck, a one-shot migrate the others wait
for, API without a scheduler plus one scheduler, and no secret written inline."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from connectors.registry import load_connectors
from service.config import parse_settings
from tests.deploy.paths import DEPLOY

SECRET_NAME = re.compile(r"PASSWORD|TOKEN|SECRET|KEY", re.IGNORECASE)
REFERENCE = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*(:?[-?][^}]*)?\}$")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def test_the_services_are_postgres_migrate_api_and_scheduler(compose):
    assert set(compose["services"]) == {"postgres", "migrate", "api", "scheduler"}


def test_every_depends_on_names_a_service_with_a_valid_condition(compose):
    services = compose["services"]
    for name, service in services.items():
        for target, rule in service.get("depends_on", {}).items():
            assert target in services, f"{name} depends on unknown service {target}"
            assert rule["condition"] in {
                "service_started",
                "service_healthy",
                "service_completed_successfully",
            }
            if rule["condition"] == "service_healthy":
                assert "test" in services[target]["healthcheck"], f"{target} has no healthcheck"


def test_postgres_is_health_checked_and_migrate_waits_for_it(compose):
    services = compose["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", ["api", "scheduler"])
def test_api_and_scheduler_start_after_a_successful_migration(compose, name):
    rule = compose["services"][name]["depends_on"]["migrate"]
    assert rule["condition"] == "service_completed_successfully"


def test_the_api_serves_without_a_scheduler_and_the_scheduler_runs_alone(compose):
    services = compose["services"]
    assert services["api"]["command"] == ["serve", "--host", "0.0.0.0", "--no-scheduler"]
    assert "readyz" in " ".join(services["api"]["healthcheck"]["test"])
    assert services["scheduler"]["command"] == ["scheduler"]


def test_no_secret_is_written_inline(compose):
    for name, service in compose["services"].items():
        for key, value in environment(service).items():
            if SECRET_NAME.search(key):
                assert REFERENCE.match(value), f"{name}: {key} must come from ${{VAR}}"


def test_declared_secrets_and_configs_are_the_ones_used(compose):
    used_secrets = {s for svc in compose["services"].values() for s in svc.get("secrets", [])}
    used_configs = {
        c["source"] for svc in compose["services"].values() for c in svc.get("configs", [])
    }
    assert used_secrets == set(compose["secrets"])
    assert used_configs == set(compose["configs"])
    for config in compose["configs"].values():
        assert (DEPLOY / config["file"]).is_file()


def test_the_mounted_config_is_a_valid_followthrough_config(compose):
    [config] = compose["configs"].values()
    data = yaml.safe_load((DEPLOY / config["file"]).read_text())
    for source in data["sources"]:  # the secret file exists only inside the container
        assert source.pop("token_file").startswith("/run/secrets/")
        source["token"] = "from-the-secret-file"
    env = environment(compose["services"]["api"])
    settings = parse_settings(data, load_connectors(), env={k: "x" for k in env})
    assert settings.log_format == "json"
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert "@postgres:5432/" in settings.database_url
