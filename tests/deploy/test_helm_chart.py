"""The Helm chart: structure, values against values.schema.json, templates naming only
values that exist, the default config accepted by followthrough, and (with Helm's own
engine from the helm-python-sdk package) the rendered manifests."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import helm_python as helm
import jsonschema
import pytest
import yaml

from connectors.registry import load_connectors
from service.config import parse_settings
from tests.deploy.paths import CHART

TEMPLATES = CHART / "templates"
VALUE_REF = re.compile(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")
FREE_FORM = ("config", "podAnnotations", "podLabels", "nodeSelector", "affinity")
COMPONENTS = ("image", "api", "scheduler", "cronjob", "migration")  # each key is used


def values() -> dict[str, Any]:
    return yaml.safe_load((CHART / "values.yaml").read_text())


def schema() -> dict[str, Any]:
    return json.loads((CHART / "values.schema.json").read_text())


def test_the_chart_has_its_files():
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert (chart["apiVersion"], chart["name"], chart["type"]) == (
        "v2",
        "followthrough",
        "application",
    )
    assert {p.name for p in TEMPLATES.iterdir()} >= {
        "_helpers.tpl",
        "api-deployment.yaml",
        "scheduler-deployment.yaml",
        "cronjob.yaml",
        "migration-job.yaml",
        "configmap.yaml",
        "secret.yaml",
        "service.yaml",
    }


def test_default_values_validate_against_the_schema():
    jsonschema.Draft7Validator.check_schema(schema())
    jsonschema.validate(values(), schema())


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        (("mode",), "daemon"),
        (("api", "replicas"), -1),
        (("image", "pullPolicy"), "Sometimes"),
        (("podSecurityContext", "runAsNonRoot"), False),
        (("config", "log_format"), "xml"),
        (("api", "replica"), 2),
    ],
)
def test_the_schema_refuses_bad_values(path, bad):
    changed = copy.deepcopy(values())
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = bad
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(changed, schema())


def value_references() -> Iterator[tuple[str, str]]:
    for template in sorted(TEMPLATES.iterdir()):
        for match in VALUE_REF.finditer(template.read_text()):
            yield template.name, match.group(1).lstrip(".")


@pytest.mark.parametrize(("template", "reference"), sorted(set(value_references())))
def test_templates_reference_only_values_that_exist(template, reference):
    node: Any = values()
    for key in reference.split("."):
        assert isinstance(node, dict), f"{template}: .Values.{reference}"
        assert key in node, f"{template}: .Values.{reference}"
        if key in FREE_FORM and node is values():
            return
        node = node[key]


def test_every_value_is_used_by_a_template():
    text = "".join(p.read_text() for p in TEMPLATES.iterdir())
    for key, value in values().items():
        leaves = [f"{key}.{sub}" for sub in value] if key in COMPONENTS else [key]
        for leaf in leaves:
            assert f".Values.{leaf}" in text, f"values.{leaf} is used by no template"


def test_the_default_config_is_a_valid_followthrough_config():
    env = {name: "postgresql+psycopg://ft@db/ft" for name in values()["secrets"]["env"]}
    settings = parse_settings(values()["config"], load_connectors(), env=env)
    assert settings.log_format == "json"


# Rendering with Helm's own template engine (Helm v4 SDK, bundled by helm-python-sdk).


def render(overrides: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """The manifests a `helm install ft` would apply, by kind and name."""
    with helm.Chart.load(str(CHART)) as chart:
        chart.validate_schema(overrides or {})
        manifests = chart.render(overrides or {}, name="ft", namespace="ops", is_install=True)
    rendered: dict[str, dict[str, Any]] = {}
    for path, text in manifests.items():
        if path.endswith(".txt"):
            continue
        for document in yaml.safe_load_all(text):
            if document:
                rendered[f"{document['kind']}/{document['metadata']['name']}"] = document
    return rendered


def container(workload: dict[str, Any]) -> dict[str, Any]:
    spec = workload["spec"]
    pod = spec["jobTemplate"]["spec"]["template"] if "jobTemplate" in spec else spec["template"]
    [only] = pod["spec"]["containers"]
    return only


def test_helm_lint_finds_no_error():
    report = helm.lint(str(CHART), strict=True)
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 3] == []


def test_default_install_has_api_scheduler_migration_config_secret_and_service():
    assert set(render()) == {
        "Deployment/ft-followthrough-api",
        "Deployment/ft-followthrough-scheduler",
        "Job/ft-followthrough-migrate",
        "ConfigMap/ft-followthrough",
        "Secret/ft-followthrough",
        "Service/ft-followthrough",
    }


def test_the_api_runs_replicas_without_a_scheduler_probed_on_healthz_and_readyz():
    api = render({"api": {"replicas": 4}})["Deployment/ft-followthrough-api"]
    main = container(api)
    assert api["spec"]["replicas"] == 4
    assert main["args"][:1] == ["serve"]
    assert "--no-scheduler" in main["args"]
    assert main["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert main["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert main["resources"]["requests"]["cpu"]


def test_every_workload_runs_non_root_with_requests_and_the_secret_as_environment():
    for name, manifest in render().items():
        if name.split("/")[0] not in {"Deployment", "Job"}:
            continue
        main = container(manifest)
        assert manifest["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
        assert main["securityContext"]["allowPrivilegeEscalation"] is False
        assert main["resources"]["requests"]
        assert main["envFrom"] == [{"secretRef": {"name": "ft-followthrough"}}]


def test_the_migration_is_a_pre_install_and_pre_upgrade_hook_after_its_config():
    rendered = render()
    job = rendered["Job/ft-followthrough-migrate"]
    assert container(job)["args"] == ["migrate"]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    for needed in ("ConfigMap/ft-followthrough", "Secret/ft-followthrough"):
        annotations = rendered[needed]["metadata"]["annotations"]
        assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
        assert int(annotations["helm.sh/hook-weight"]) < int(
            job["metadata"]["annotations"]["helm.sh/hook-weight"]
        )


def test_cronjob_mode_syncs_from_a_cronjob_instead_of_a_scheduler():
    rendered = render({"mode": "cronjob", "cronjob": {"args": ["--source", "github"]}})
    assert "Deployment/ft-followthrough-scheduler" not in rendered
    cron = rendered["CronJob/ft-followthrough-sync"]
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert container(cron)["args"] == ["sync", "--source", "github"]


def test_an_existing_secret_replaces_the_chart_made_one():
    rendered = render({"secrets": {"existingSecret": "ft-tokens"}})
    assert "Secret/ft-followthrough" not in rendered
    api = container(rendered["Deployment/ft-followthrough-api"])
    assert api["envFrom"] == [{"secretRef": {"name": "ft-tokens"}}]


def test_only_set_secret_values_are_written_and_the_config_lands_in_the_configmap():
    rendered = render({"secrets": {"env": {"DATABASE_URL": "postgresql://x", "ADMIN_TOKEN": ""}}})
    assert rendered["Secret/ft-followthrough"]["stringData"] == {"DATABASE_URL": "postgresql://x"}
    config = yaml.safe_load(rendered["ConfigMap/ft-followthrough"]["data"]["followthrough.yaml"])
    assert config == values()["config"]
