"""fastapi_stackops/render_cache.py: a render is kept while nothing it reads changes, and only then."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from fastapi_stackops import render_cache
from fastapi_stackops.render_cache import KEPT, render_key, rendered

COMPOSE = """services:
  api:
    image: busybox
    env_file:
      - ${ENV_FILE:-app.env}
      - path: optional.env
        required: false
    volumes:
      - ./data:/data
include:
  - other/compose.yaml
"""
FILES = {
    "compose.yaml": COMPOSE,
    "app.env": "A=1\n",
    "other/compose.yaml": "services:\n  worker:\n    image: busybox\n    env_file: worker.env\n",
    "other/worker.env": "W=1\n",
    ".env": "X=1\n",
}


@pytest.fixture(autouse=True)
def any_compose(monkeypatch, tmp_path):
    monkeypatch.setattr(render_cache, "compose_program", lambda: [sys.executable])
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def project(root: Path) -> Path:
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "data").mkdir()
    return root


def command(root: Path, *options: str) -> list[str]:
    return ["docker", "compose", *options, "--file", str(root / "compose.yaml"), "config", "--format", "json"]


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.mark.parametrize(
    ("change", "environment", "options", "changes_the_key"),
    [
        (lambda root: None, {}, (), False),
        (lambda root: write(root / "compose.yaml", COMPOSE.replace("busybox", "busyfox")), {}, (), True),  # same size
        (lambda root: write(root / "app.env", "A=2\n"), {}, (), True),
        (lambda root: write(root / "optional.env", "B=1\n"), {}, (), True),  # a file not there before
        (lambda root: write(root / "other/worker.env", "W=2\n"), {}, (), True),  # named by an included file
        (lambda root: write(root / "data/notes.db", "x"), {}, (), False),  # inside a mounted folder: not read
        (lambda root: write(root / ".env", "X=2\n"), {}, (), True),  # the project's .env, which Compose reads
        (lambda root: write(root / ".env", "X=2\n"), {}, ("--env-file", "/dev/null"), False),  # not read
        (lambda root: write(root / "app.env", "A=2\n"), {"ENV_FILE": "prod.env"}, (), False),  # another file named
        (lambda root: write(root / "prod.env", "A=2\n"), {"ENV_FILE": "prod.env"}, (), True),
        (lambda root: write(root / "prod.env", "A=2\n"), {"ENV_FILE": ""}, (), False),  # `:-`: empty takes the default
    ],
)
def test_the_key_changes_when_what_compose_reads_changes(tmp_path, change, environment, options, changes_the_key):
    root = project(tmp_path / "p")
    before = render_key(command(root, *options), environment)
    change(root)
    assert (render_key(command(root, *options), environment) != before) is changes_the_key


def test_the_key_follows_the_environment_and_the_command(tmp_path):
    root = project(tmp_path / "p")
    key = render_key(command(root), {})
    assert render_key(command(root), {"A": "1"}) != key
    assert render_key(command(root, "--profile", "*"), {}) != key


@pytest.mark.parametrize("named", ["$(pwd)/app.env", "${ENV_FILE"])
def test_a_path_left_to_what_the_key_cannot_resolve_is_never_cached(tmp_path, named):
    root = project(tmp_path / "p")
    write(root / "compose.yaml", COMPOSE.replace("${ENV_FILE:-app.env}", named))
    assert render_key(command(root), {}) is None
    answers = iter(["first", "second"])
    assert [rendered(command(root), {}, lambda: next(answers)) for _ in range(2)] == ["first", "second"]


def test_a_render_is_read_back_until_a_file_it_read_changes(tmp_path):
    root = project(tmp_path / "p")
    calls = []

    def render() -> str:
        calls.append(1)
        return f'{{"render": {len(calls)}}}'

    assert rendered(command(root), {}, render) == rendered(command(root), {}, render) == '{"render": 1}'
    write(root / "other/worker.env", "W=2\n")
    assert rendered(command(root), {}, render) == '{"render": 2}'


def test_only_the_newest_renders_are_kept(tmp_path):
    root = project(tmp_path / "p")
    for number in range(KEPT + 3):
        rendered(command(root), {"N": str(number)}, lambda: "{}")
    assert len(list((tmp_path / "cache/stackops/renders").glob("*.json"))) == KEPT


def test_a_partial_render_a_killed_task_left_is_removed_once_old(tmp_path):
    root = project(tmp_path / "p")
    folder = tmp_path / "cache/stackops/renders"
    folder.mkdir(parents=True)
    stale, fresh = folder / "a.123.partial", folder / "b.456.partial"
    stale.write_text("{")
    fresh.write_text("{")  # another task may be writing it now
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    rendered(command(root), {}, lambda: "{}")
    assert not stale.exists() and fresh.exists()
