"""The contract ([tool.stackops]): parsed into typed values; every mistake one line naming file and key."""

from pathlib import Path

import pytest

from fastapi_stackops.contract import parse_contract
from fastapi_stackops.project import ContractError

FILE = Path("/p/pyproject.toml")
SCENARIO = {"write": {"method": "POST", "path": "/w", "status": 201}, "read": {"path": "/r/{id}"}}


def test_minimal_contract_has_the_documented_defaults():
    config = parse_contract({"entry": "web"}, FILE)
    assert config.entry == "web" and config.env_dir == Path("/p/env") and config.compose_files == ("compose.yaml",)
    assert config.ci_env == "ci" and config.persistence is None and config.migrations is None
    assert config.service("web").health == "" and not config.service("web").is_http
    assert ".git" in config.forbidden_in_image and "*.env.docker" in config.forbidden_in_image


def test_full_service_entry():
    config = parse_contract(
        {
            "entry": "web",
            "services": {
                "web": {
                    "port": 8080,
                    "health": "/api/v1/system/health",
                    "probes": [{"path": "/x", "method": "post", "json": {"a": 1}, "status": 201, "expect-keys": ["id"]}],
                    "hooks": ["checks.smoke:login"],
                    "relax": ["read-only"],
                }
            },
            "persistence": {**SCENARIO, "id-from": "location", "guessed": True},
        },
        FILE,
    )
    web = config.service("web")
    assert web.port == 8080 and web.is_http and web.probes[0].method == "POST" and web.probes[0].expect_keys == ("id",)
    assert config.persistence.service == "web" and config.persistence.id_from == "location" and config.persistence.guessed


@pytest.mark.parametrize(
    ("contract", "message"),
    [
        ({}, r"\[tool.stackops\] entry is missing"),
        ({"entry": 5}, r"\[tool.stackops\] entry must be str, got 5"),
        ({"entry": "a", "colour": 1}, r"\[tool.stackops\] colour is not a known key"),
        (
            {"entry": "a", "services": {"a": {"probes": [{"status": 200}]}}},
            r"\[tool.stackops.services.a.probes\[0\]\] path is missing",
        ),
        ({"entry": "a", "services": {"a": {"probes": [{"path": "/", "method": "FETCH"}]}}}, r"method must be one of GET"),
        ({"entry": "a", "services": {"a": {"probes": [{"path": "/", "status": 999}]}}}, r"status must be an HTTP status"),
        (
            {"entry": "a", "services": {"a": {"hooks": ["nocolon"]}}},
            r"\[tool.stackops.services.a\] hooks must name a function as module:function",
        ),
        ({"entry": "a", "services": {"a": {"port": 0}}}, r"\[tool.stackops.services.a\] port must be a port number"),
        ({"entry": "a", "services": {"a": {"port": True}}}, r"port must be int, got True"),
        ({"entry": "a", "services": {"a": {"relax": ["seccomp"]}}}, r"relax names 'seccomp', which is not a hardening check"),
        ({"entry": "a", "services": {"a": {"ready": "ready"}}}, r"ready must be a URL path starting with /"),
        ({"entry": "a", "persistence": {"write": SCENARIO["write"]}}, r"\[tool.stackops.persistence\] needs a write and a read"),
        ({"entry": "a", "persistence": {**SCENARIO, "read": {"path": "/r"}}}, r"read must use what was written"),
        ({"entry": "a", "persistence": {"hook": "x:y", **SCENARIO}}, r"hook replaces write and read"),
        ({"entry": "a", "persistence": {"hook": "x.y"}}, r"\[tool.stackops.persistence\] hook must name a function"),
        ({"entry": "a", "persistence": {**SCENARIO, "guessed": "yes"}}, r"\[tool.stackops.persistence\] guessed must be bool"),
        ({"entry": "a", "base-images": {"PY": {"substitute": "python"}}}, r"\[tool.stackops.base-images.PY\] image is missing"),
        (
            {"entry": "a", "base-images": {"PY": {"image": "x", "substitute": "ruby"}}},
            r"substitute must be one of python, python-runtime, postgres",
        ),
        (
            {"entry": "a", "base-images": {"PY": {"image": "x"}, "RT": {"follows": "PYTHON"}}},
            r"\[tool.stackops.base-images.RT\] follows must name another base image of this table that names its own image \(PY\), got 'PYTHON'",
        ),
        (
            {"entry": "a", "base-images": {"A": {"follows": "B"}, "B": {"follows": "A"}}},
            r"\[tool.stackops.base-images.A\] follows must name another base image",
        ),
        ({"entry": "a", "image-size-budget-mb": 0}, r"image-size-budget-mb must be a size in MB"),
    ],
)
def test_mistakes_name_file_and_key(contract, message):
    with pytest.raises(ContractError, match=message) as error:
        parse_contract(contract, FILE)
    assert str(error.value).startswith("/p/pyproject.toml") and "\n" not in str(error.value)
