"""The Kubernetes overlays: they render and validate offline, and agree with the project's contract and image.

Real kubectl (kustomize) and kubernetes-validate run here; no cluster is needed.
"""

import re
import shlex
import shutil

import pytest
import yaml

from fastapi_stackops import StackError
from fastapi_stackops.contract import load_project
from fastapi_stackops.ship.kubernetes import render_overlay, validate_overlays
from tests.utils import ROOT, inv, scratch_project

CONFIG = load_project(ROOT)


def objects(overlay: str) -> dict[str, dict]:
    rendered = yaml.safe_load_all(render_overlay(ROOT / overlay))
    return {f"{o['kind']}/{o['metadata']['name']}": o for o in rendered}


@pytest.mark.parametrize("overlay", CONFIG.kubernetes)
def test_probes_ports_and_metrics_match_the_contract(overlay):
    entry = CONFIG.service(CONFIG.entry)
    pod = objects(overlay)["Deployment/notes-api"]["spec"]["template"]
    container = pod["spec"]["containers"][0]
    assert container["ports"][0]["containerPort"] == entry.port
    assert container["livenessProbe"]["httpGet"]["path"] == entry.health
    assert container["readinessProbe"]["httpGet"]["path"] == entry.ready
    annotations = pod["metadata"]["annotations"]
    assert (annotations["prometheus.io/path"], annotations["prometheus.io/port"]) == (entry.metrics, str(entry.port))


@pytest.mark.parametrize("overlay", CONFIG.kubernetes)
def test_pods_run_as_the_image_runs_hardened(overlay):
    user = re.findall(r"^USER (\d+):(\d+)$", (ROOT / "docker/Dockerfile").read_text(), re.M)[-1]
    rendered = objects(overlay)
    for name in ("Deployment/notes-api", "Job/notes-migrate"):
        pod = rendered[name]["spec"]["template"]["spec"]
        assert (str(pod["securityContext"]["runAsUser"]), str(pod["securityContext"]["runAsGroup"])) == user, name
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True and context["allowPrivilegeEscalation"] is False
            assert context["capabilities"]["drop"] == ["ALL"]
            assert container["resources"]["limits"]["memory"]


def test_migrations_run_once_in_a_job_with_the_contract_command():
    rendered = objects(CONFIG.kubernetes[0])
    job = rendered["Job/notes-migrate"]["spec"]["template"]["spec"]["containers"][0]
    assert job["command"] == shlex.split(CONFIG.migrations.upgrade)
    api_env = {
        e["name"]: e.get("value") for e in rendered["Deployment/notes-api"]["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert api_env["SKIP_PRESTART"] == "1"  # pods never migrate: only the Job does


def test_config_defaults_match_what_compose_gives_the_container():
    compose = (ROOT / "docker/compose.yaml").read_text()
    defaults = dict(re.findall(r"(\w+): \$\{\1-([^}]*)\}", compose))
    data = objects(CONFIG.kubernetes[0])["ConfigMap/notes-config"]["data"]
    shared = set(data) & set(defaults) - {"APP_DATABASE_URL"}  # Compose's default is SQLite; Kubernetes uses PostgreSQL
    assert shared >= {"APP_DB_POOL_SIZE", "APP_LOG_LEVEL", "WEB_CONCURRENCY", "GRACEFUL_TIMEOUT"}
    assert {key: data[key] for key in shared} == {key: defaults[key] for key in shared}


def test_postgres_only_in_the_dev_overlay():
    kinds = {overlay.rsplit("/", 1)[-1]: {name.split("/")[0] for name in objects(overlay)} for overlay in CONFIG.kubernetes}
    assert "StatefulSet" in kinds["dev"] and "StatefulSet" not in kinds["prod"]


def test_every_overlay_validates():
    assert validate_overlays(CONFIG) == {"deploy/kubernetes/overlays/dev": 9, "deploy/kubernetes/overlays/prod": 6}


def test_a_misspelt_probe_field_fails_inv_lint(tmp_path):
    project = scratch_project(tmp_path)
    shutil.copytree(ROOT / "deploy", project / "deploy")
    deployment = project / "deploy/kubernetes/base/deployment.yaml"
    text = deployment.read_text()
    deployment.write_text(text.replace("            periodSeconds: 10\n", "            periodSecond: 10\n", 1))
    result = inv("lint", cwd=project)
    assert result.returncode != 0
    assert "livenessProbe: Additional properties are not allowed ('periodSecond' was unexpected)" in result.stderr, result.stderr


def test_a_missing_overlay_is_named():
    with pytest.raises(StackError, match="deploy/nowhere has no kustomization.yaml"):
        render_overlay(ROOT / "deploy/nowhere")


def test_kubectl_failing_without_a_word_is_one_line_not_a_traceback(tmp_path, monkeypatch):
    # A real executable that fails silently, as kubectl and docker push sometimes do.
    silent = tmp_path / "kubectl"
    silent.write_text("#!/bin/sh\nexit 3\n")
    silent.chmod(0o755)
    monkeypatch.setattr("fastapi_stackops.ship.kubernetes._tool", lambda name: str(silent))
    (tmp_path / "overlay").mkdir()
    (tmp_path / "overlay" / "kustomization.yaml").write_text("resources: []\n")
    with pytest.raises(StackError, match=r"kubectl kustomize .*overlay failed: exit 3 with no output$"):
        render_overlay(tmp_path / "overlay")
