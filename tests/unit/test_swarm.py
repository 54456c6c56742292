"""From `docker compose config` output to the stack file `docker stack deploy` takes: pure, table-driven."""

from __future__ import annotations

import pytest

from fastapi_stackops import StackError
from fastapi_stackops.settings import load_settings
from fastapi_stackops.ship.cluster import node_labels
from fastapi_stackops.ship.stackfile import (
    ONE_SHOT_LABEL,
    environment_secrets,
    leaked_secrets,
    secret_name,
    stack_definition,
    tmpfs_mounts,
)
from fastapi_stackops.ship.swarm import ipv4_bindings, timestamp
from tests.utils import ROOT, write_env

RENDERED = {
    "name": "shop",
    "x-anchor": {"PASSWORD": "s3cret"},
    "services": {
        "api": {
            "build": {"context": "."},
            "image": None,
            "command": None,
            "depends_on": {"db": {"condition": "service_healthy", "required": False}},
            "environment": {"DATABASE_PASSWORD_FILE": "/run/secrets/db_password", "SKIP_PRESTART": "1"},
            "ports": [{"mode": "host", "target": 8000, "published": "8080", "host_ip": "127.0.0.1", "protocol": "tcp"}],
            "tmpfs": ["/tmp:size=64m,mode=1777"],
            "mem_limit": "536870912",
            "pids_limit": 256,
            "restart": "unless-stopped",
            "secrets": [{"source": "db_password", "target": "/run/secrets/db_password"}],
            "deploy": {"replicas": 2, "placement": {"constraints": ["node.role == worker"]}},
            "healthcheck": {"interval": "2s"},
        },
        "db": {"image": "postgres:15", "profiles": ["postgres"], "secrets": [{"source": "db_password"}]},
    },
    "secrets": {
        "ca_bundle": {"name": "shop_ca_bundle", "file": "/etc/ssl/certs/ca-certificates.crt"},
        "db_password": {"name": "shop_db_password", "environment": "POSTGRES_PASSWORD"},
    },
    "networks": {"default": {"name": "shop_default", "ipam": {}}},
    "volumes": {"db-data": {"name": "shop_db-data"}},
}


def definition(**kwargs):
    arguments = {"images": {"api": "reg:5000/shop-api@sha256:abc"}, "secret_names": {"db_password": "shop_db_password_1"}}
    return stack_definition(RENDERED, **{**arguments, **kwargs})


def test_the_stack_file_keeps_only_what_docker_stack_deploy_takes():
    stack = definition()
    api = stack["services"]["api"]
    assert stack["version"] == "3.9" and "name" not in stack and "x-anchor" not in stack
    for dropped in ("build", "depends_on", "mem_limit", "pids_limit", "restart", "tmpfs", "command"):
        assert dropped not in api, dropped
    assert "profiles" not in stack["services"]["db"]
    assert api["image"] == "reg:5000/shop-api@sha256:abc"  # pinned by digest
    assert stack["services"]["db"]["image"] == "postgres:15"  # not built, not pinned: left as named
    assert api["ports"] == [{"mode": "host", "target": 8000, "published": 8080, "protocol": "tcp"}]
    assert {"type": "tmpfs", "target": "/tmp", "tmpfs": {"size": 64 * 1024**2}} in api["volumes"]
    assert stack["networks"] == RENDERED["networks"] and stack["volumes"] == RENDERED["volumes"]


def test_env_valued_secrets_become_external_swarm_secrets_and_build_secrets_stay_out():
    secrets = definition()["secrets"]
    assert secrets == {"db_password": {"external": True, "name": "shop_db_password_1"}}


def test_the_migration_service_runs_once_with_the_sources_image_secrets_and_placement():
    stack = definition(migrate=("api", "python -m app.migrate upgrade --sql 'a b'"))
    migrate = stack["services"]["api-migrate"]
    assert migrate["command"] == ["python", "-m", "app.migrate", "upgrade", "--sql", "a b"]
    assert migrate["image"] == stack["services"]["api"]["image"]
    assert migrate["secrets"] == stack["services"]["api"]["secrets"]
    assert "ports" not in migrate and migrate["healthcheck"] == {"disable": True}
    assert migrate["deploy"]["replicas"] == 1
    assert migrate["deploy"]["restart_policy"]["condition"] == "on-failure"
    assert migrate["deploy"]["labels"] == {ONE_SHOT_LABEL: "true"}
    assert migrate["deploy"]["placement"] == {"constraints": ["node.role == worker"]}


@pytest.mark.parametrize(
    ("entries", "mounts"),
    [
        (["/tmp"], [{"type": "tmpfs", "target": "/tmp"}]),
        (["/tmp:size=64m,mode=1777"], [{"type": "tmpfs", "target": "/tmp", "tmpfs": {"size": 67108864}}]),
        (["/run/pg:size=1m,uid=0,mode=1777"], [{"type": "tmpfs", "target": "/run/pg", "tmpfs": {"size": 1048576}}]),
        (["/a:size=2g", "/b:size=512k"], [{"type": "tmpfs", "target": "/a", "tmpfs": {"size": 2 * 1024**3}},
                                          {"type": "tmpfs", "target": "/b", "tmpfs": {"size": 512 * 1024}}]),
        (["/c:size=100"], [{"type": "tmpfs", "target": "/c", "tmpfs": {"size": 100}}]),
    ],
)  # fmt: skip
def test_tmpfs_entries_become_swarm_tmpfs_mounts(entries, mounts):
    assert tmpfs_mounts(entries) == mounts


def test_a_secret_value_in_an_environment_is_named():
    services = {"api": {"environment": {"DB_URL": "postgresql://app:s3cret@db/app", "OTHER": ""}}, "db": {}}
    assert leaked_secrets(services, {"db_password": "s3cret"}) == ["service api: DB_URL holds the value of secret db_password"]
    assert leaked_secrets(services, {"db_password": "different"}) == []


def test_a_short_secret_is_only_a_whole_value():
    services = {"api": {"environment": {"MODE": "production", "PW": "abc"}}}
    assert leaked_secrets(services, {"pw": "abc"}) == ["service api: PW holds the value of secret pw"]
    assert leaked_secrets(services, {"pw": "duct"}) == []  # not "production"


def test_a_service_others_wait_to_complete_runs_once():
    rendered = {
        "services": {
            "init": {"image": "busybox", "command": ["chown", "1:1", "/data"], "deploy": {"placement": {"constraints": ["x"]}}},
            "api": {"image": "api", "depends_on": {"init": {"condition": "service_completed_successfully"}}},
        }
    }
    stack = stack_definition(rendered, images={}, secret_names={})
    assert stack["services"]["init"]["deploy"]["labels"] == {ONE_SHOT_LABEL: "true"}
    assert stack["services"]["init"]["deploy"]["placement"] == {"constraints": ["x"]}
    assert "labels" not in stack["services"]["api"].get("deploy", {})


def test_env_valued_secrets_take_their_value_and_an_empty_one_is_refused():
    assert environment_secrets(RENDERED, {"POSTGRES_PASSWORD": "pw"}, "env/x") == {"db_password": "pw"}
    with pytest.raises(StackError, match="env/x: POSTGRES_PASSWORD is empty, and secret db_password takes its value"):
        environment_secrets(RENDERED, {}, "env/x")


def test_secrets_are_named_by_content():
    assert secret_name("shop", "pw", "a") == secret_name("shop", "pw", "a")
    assert secret_name("shop", "pw", "a") != secret_name("shop", "pw", "b")
    assert secret_name("shop", "pw", "a").startswith("shop_pw_")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("", 0.0),
        ("1970-01-01T00:00:01Z", 1.0),
        ("1970-01-01T00:00:01.5Z", 1.5),
        ("2026-11-22T10:28:21.387883913Z", 1795343301.387883913),
    ],
)
def test_engine_times_parse_with_nanoseconds(text, seconds):
    assert timestamp(text) == pytest.approx(seconds, abs=1e-6)


@pytest.mark.parametrize(
    ("value", "labels"),
    [("", {}), ("db=true", {"db": "true"}), (" db = true , zone=a ", {"db": "true", "zone": "a"})],
)
def test_manager_labels_from_the_env(tmp_path, value, labels):
    env = write_env(tmp_path, base="swarm", CLUSTER_MANAGER_LABELS=value)
    assert node_labels(load_settings(str(env), environ={})) == labels


def test_a_manager_label_without_a_value_names_the_line(tmp_path):
    env = write_env(tmp_path, base="swarm", CLUSTER_MANAGER_LABELS="db")
    with pytest.raises(StackError, match=r"swarm-.*\.env\.docker:\d+: CLUSTER_MANAGER_LABELS: 'db' is not key=value"):
        node_labels(load_settings(str(env), environ={}))


def test_the_reference_swarm_overlay_is_what_the_env_names():
    settings = load_settings(str(ROOT / "env" / "swarm.env.docker"), environ={})
    assert ROOT / "docker" / "compose.swarm.yaml" in settings.compose_files


@pytest.mark.parametrize(
    ("ports", "expected"),
    [
        # Engine 20.10 on a host with IPv6: 0.0.0.0 first, then [::] on another port.
        (
            [
                {"TargetPort": 8000, "Protocol": "tcp", "PublishedPort": 32780},
                {"TargetPort": 8000, "Protocol": "tcp", "PublishedPort": 32779},
            ],
            [32780],
        ),
        (
            [
                {"TargetPort": 8000, "Protocol": "tcp", "PublishedPort": 1},
                {"TargetPort": 9000, "Protocol": "tcp", "PublishedPort": 2},
            ],
            [1, 2],
        ),
        (
            [
                {"TargetPort": 53, "Protocol": "tcp", "PublishedPort": 1},
                {"TargetPort": 53, "Protocol": "udp", "PublishedPort": 2},
            ],
            [1, 2],
        ),
        ([], []),
    ],
)
def test_one_binding_per_target_port(ports, expected):
    assert [p["PublishedPort"] for p in ipv4_bindings(ports)] == expected
