"""fastapi_stackops/engine.py: which engine the docker CLI, and so Compose, talks to."""

from __future__ import annotations

import json

import pytest

from fastapi_stackops.engine import DEFAULT_SOCKET, context_name, engine_endpoint


@pytest.mark.parametrize(
    ("environ", "config", "name"),
    [
        ({}, None, "default"),
        ({}, {"currentContext": "colima"}, "colima"),
        ({"DOCKER_CONTEXT": "default"}, {"currentContext": "colima"}, "default"),  # the variable wins, as in the CLI
        ({"DOCKER_CONTEXT": "desktop-linux"}, None, "desktop-linux"),
        ({}, {"auths": {}}, "default"),
        ({}, "not json", "default"),
        ({}, [], "default"),
    ],
)
def test_the_context_is_the_variables_else_the_configs_else_default(tmp_path, environ, config, name):
    if config is not None:
        (tmp_path / "config.json").write_text(config if isinstance(config, str) else json.dumps(config))
    assert context_name({"DOCKER_CONFIG": str(tmp_path), **environ}) == name


@pytest.mark.parametrize(
    ("environ", "endpoint"),
    [
        ({}, ("docker context default", DEFAULT_SOCKET)),
        ({"DOCKER_HOST": "tcp://10.0.0.5:2376"}, ("DOCKER_HOST", "tcp://10.0.0.5:2376")),
        ({"DOCKER_HOST": "ssh://deploy@host", "DOCKER_CONTEXT": "colima"}, ("DOCKER_HOST", "ssh://deploy@host")),
    ],
)
def test_docker_host_comes_before_any_context(tmp_path, environ, endpoint):
    assert engine_endpoint({"DOCKER_CONFIG": str(tmp_path), **environ}) == endpoint
