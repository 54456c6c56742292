"""fastapi_stackops/adopt/override.py: a repository's own Compose file, kept, with an override beside it, or not."""

from __future__ import annotations

import pytest

from fastapi_stackops import StackError
from fastapi_stackops.adopt import override
from fastapi_stackops.adopt.init import setup_for
from fastapi_stackops.adopt.reading import read_repository
from tests.utils import written

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"
#: rafawildfire42/python-fastapi-user-management's shape: the app's image built apart (`image: paneas`), no build:.
BUILT_APART = {
    "services": {
        "postgres": {"image": "postgres:latest", "ports": [{"target": 5432, "published": "5432"}]},
        "app": {"image": "paneas", "ports": [{"target": 8000, "published": "8000"}]},
    }
}


def test_a_compose_file_whose_services_build_nothing_leaves_inits_own_stack_beside_it(tmp_path, monkeypatch):
    """init stopped on a traceback (ValueError: no service in the Compose file both builds an image and publishes a
    port); it keeps both files now, and writes its own image and stack beside them."""
    monkeypatch.setattr(override, "compose_model", lambda root, file: BUILT_APART)
    files = {"requirements.txt": "fastapi\n", "main.py": APP, "Dockerfile": "FROM python:3.11\n", "docker-compose.yml": "x"}
    repo = read_repository(written(tmp_path, files))
    setup = setup_for(repo, False)
    assert setup.override is None and setup.dockerfile == "stackops.Dockerfile"
    said = [f.value for f in repo.findings if f.what == "own files"]
    assert said == [
        "Dockerfile and docker-compose.yml (no service builds an image to publish) kept; init's image is stackops.Dockerfile"
    ]


def test_a_compose_yaml_whose_services_build_nothing_is_refused_as_init_writes_that_name(tmp_path, monkeypatch):
    monkeypatch.setattr(override, "compose_model", lambda root, file: BUILT_APART)
    with pytest.raises(StackError, match=r"^compose.yaml: no service both builds an image \(build:\) and publishes a port"):
        override.plan_override(tmp_path, "compose.yaml", "/", "PYTHON_BASE_IMAGE")


def test_the_built_service_that_publishes_a_port_is_the_entry():
    built = {"services": {**BUILT_APART["services"], "web": {"build": {"context": "."}, "ports": [{"target": 80}]}}}
    assert override.entry_service(built) == ("web", 80) and override.entry_service(BUILT_APART) is None


@pytest.mark.parametrize("memory", ["512m", "2g"])
def test_the_override_gives_the_app_the_memory_limit_its_first_start_learned(tmp_path, monkeypatch, memory):
    """The memory lesson reached only init's own compose.yaml: the override held the app at 512m, so a repository
    keeping its own files was refused at the limit a larger one would have passed."""
    built = {"services": {"web": {"build": {"context": "."}, "ports": [{"target": 80}]}}}
    monkeypatch.setattr(override, "compose_model", lambda root, file: built)
    (tmp_path / "Dockerfile").write_text("FROM python:3.11\n")
    planned = override.plan_override(tmp_path, "compose.yaml", "/", "PYTHON_BASE_IMAGE", memory)
    assert f"    mem_limit: {memory}\n" in planned.text and planned.text.count("mem_limit") == 1
