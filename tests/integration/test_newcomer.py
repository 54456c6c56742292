"""The README's quick start, verbatim, on fresh clones, as newcomers run it.

Each test clones the repository's committed state and runs the commands in a
clean environment: no pyenv, no virtualenv, only what the machine itself
configures (proxy CA, pip's index settings). Root runs the first; the docker
group's user runs both. The second command is the whole
suite again, so these tests are skipped inside the runs they start; so are
the heavy ones that prove the same for any user and Python (load, registry,
examples, Swarm, the server deploy, failure modes, the checks' own tests,
fixture repositories, and the stack tests of engine behaviour only: marked
same_for_every_newcomer), to keep .ci/run under its 45 minutes.
"""

from __future__ import annotations

import os
import pwd
import re
import subprocess
import uuid
from pathlib import Path

import pytest
import requests

from tests.utils import QUICK_START_RUN as NESTED
from tests.utils import ROOT, quick_start_commands, spread

DISTRIBUTION_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# The machine's own settings a newcomer's shell would have too.
MACHINE_VARIABLES = re.compile(
    r"^(PIP_.*|SSL_CERT_.*|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|NODE_EXTRA_CA_CERTS|npm_config_.*|LANG|LC_.*|CI|DOCKER_HOST"
    r"|(https?|no|all)_proxy)$",
    re.I,
)
NEWCOMER = "stackops-newcomer"

pytestmark = [
    pytest.mark.integration,
    spread,  # two quick starts of minutes each, one per worker
    pytest.mark.skipif(bool(os.environ.get(NESTED)), reason="inside a quick-start run these tests started"),
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root: runs the quick start as root and as a new user"),
    pytest.mark.skipif(not Path("/usr/bin/python3").exists(), reason="no distribution python3 at /usr/bin/python3"),
]


def newcomer_environment(home: Path) -> dict[str, str]:
    machine = {key: value for key, value in os.environ.items() if MACHINE_VARIABLES.match(key)}
    # A temp folder of its own: pytest there prunes old runs' folders in it.
    (home / "tmp").mkdir(exist_ok=True)
    return {**machine, "HOME": str(home), "PATH": DISTRIBUTION_PATH, "TMPDIR": str(home / "tmp")}


def fresh_clone(target: Path) -> Path:
    """The committed repository, with a personal overlay so its dev stack collides with nobody's."""
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
    overlay = target / "env" / "dev.local.env.docker"
    overlay.write_text(f"COMPOSE_PROJECT_NAME=newcomer-{uuid.uuid4().hex[:6]}\nAPI_PORT=0\n")
    return overlay


def run_as(user: str | None, command: str, cwd: Path, env: dict[str, str], timeout: int) -> subprocess.CompletedProcess:
    prefix = ["runuser", "-u", user, "--"] if user else []
    return subprocess.run(
        [*prefix, "env", "-i", *(f"{k}={v}" for k, v in env.items()), "bash", "-c", command],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )


def passed(result: subprocess.CompletedProcess, what: str) -> str:
    assert result.returncode == 0, f"{what} exited {result.returncode}:\n{result.stdout[-6000:]}"
    return result.stdout


def quick_start(clone: Path, overlay: Path, env: dict[str, str], user: str | None = None, suite: bool = True) -> None:
    set_up_and_start, run_tests = quick_start_commands()
    output = passed(run_as(user, set_up_and_start, clone, env, timeout=900), set_up_and_start)
    venv = (clone / ".venv" / "pyvenv.cfg").read_text()
    assert re.search(r"^home = /usr/bin$", venv, re.M), f"the venv was not made by the distribution's python3:\n{venv}"
    url = re.search(r"http://127\.0\.0\.1:\d+", output)
    assert url, output[-3000:]
    assert requests.get(f"{url.group(0)}/health", timeout=5).status_code == 200
    # The started stack goes (by the project's own task), then the suite runs.
    passed(run_as(user, ".venv/bin/inv clean --volumes --yes", clone, env, timeout=300), "inv clean")
    if not suite:
        return
    overlay.unlink()
    output = passed(run_as(user, run_tests, clone, {**env, NESTED: "1"}, timeout=1500), run_tests)
    assert re.search(r"\d+ passed", output), output[-3000:]


def test_quick_start_as_root_with_the_distribution_python(tmp_path):
    """The first command as root. The second is the suite the user's quick start below runs with the same Python,
    and the one this run itself is, as root: a third run of it here would prove nothing new, in two minutes."""
    home = tmp_path / "home"
    home.mkdir()
    clone = tmp_path / "project"
    overlay = fresh_clone(clone)
    quick_start(clone, overlay, newcomer_environment(home), suite=False)


@pytest.fixture
def newcomer():
    """A non-root user in the docker group, removed (home too) afterwards."""
    subprocess.run(["groupadd", "-f", "docker"], check=True)
    subprocess.run(["userdel", "-r", NEWCOMER], capture_output=True)
    subprocess.run(["useradd", "--create-home", "--groups", "docker", "--shell", "/bin/bash", NEWCOMER], check=True)
    yield pwd.getpwnam(NEWCOMER)
    subprocess.run(["userdel", "-r", NEWCOMER], capture_output=True)


def test_quick_start_as_a_user_in_the_docker_group(newcomer):
    home = Path(newcomer.pw_dir)
    clone = home / "project"
    overlay = fresh_clone(clone)
    env = newcomer_environment(home)
    subprocess.run(["chown", "-R", f"{newcomer.pw_uid}:{newcomer.pw_gid}", str(home)], check=True)
    quick_start(clone, overlay, env, user=NEWCOMER)
