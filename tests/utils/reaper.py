"""What a killed test run leaves running, removed once it is gone: testcontainers' Ryuk, for Compose projects.

`python -m tests.utils.reaper PID SINCE BASETEMP CHECKOUT` waits until process
PID ends, then removes the Compose projects the run made (containers created
after SINCE, a Unix time): those whose files lie under the run's BASETEMP, and
those an env file under BASETEMP names (the checkout's own stacks, made with
its Compose files). Their containers, networks and volumes go; a developer's
own stacks, and another run's in the same checkout, never match. A run that
ends normally has cleaned its stacks already, so then it finds nothing to do.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

PROJECT = "com.docker.compose.project"
FILES = "com.docker.compose.project.config_files"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def docker(*args: str) -> str:
    try:
        return subprocess.run(["docker", *args], capture_output=True, text=True, check=False).stdout
    except FileNotFoundError:  # no docker CLI: nothing can have been started
        return ""


def named_projects(basetemp: str) -> set[str]:
    """The projects the run's env files name (tests write every env file of theirs under the run's folder)."""
    names = set()
    for env_file in Path(basetemp).rglob("*.env.docker"):
        names |= set(re.findall(r"^COMPOSE_PROJECT_NAME=(\S+)", env_file.read_text(errors="replace"), re.MULTILINE))
    return names


def left_projects(since: float, basetemp: str, checkout: str) -> set[str]:
    """The Compose projects a run made, by their files and names; containers created after it began."""
    ids = docker("ps", "-aq", "--filter", f"label={PROJECT}").split()
    named = named_projects(basetemp)
    inspected = json.loads(docker("inspect", *ids) or "[]") if ids else []
    return {c["Config"]["Labels"][PROJECT] for c in inspected if made_by_the_run(c, since, basetemp, checkout, named)}


def made_by_the_run(container: dict, since: float, basetemp: str, checkout: str, named: set[str]) -> bool:
    """Created after the run began, by Compose files under its folder, or the checkout's under a name it wrote."""
    labels = container["Config"]["Labels"] or {}
    created = datetime.fromisoformat(container["Created"][:26].rstrip("Z") + "+00:00").timestamp()
    files, name = labels.get(FILES, "").split(","), labels.get(PROJECT, "")
    ours = any(f.startswith(basetemp) for f in files) or (name in named and any(f.startswith(checkout) for f in files))
    return created >= since and ours


def remove(project: str) -> None:
    label = f"label={PROJECT}={project}"
    for kind, listing in (("container", ["ps", "-aq"]), ("network", ["network", "ls", "-q"]), ("volume", ["volume", "ls", "-q"])):
        found = docker(*listing, "--filter", label).split()
        if found:
            docker(kind, "rm", "-f", *found) if kind != "network" else docker(kind, "rm", *found)


def main(pid: int, since: float, basetemp: str, checkout: str) -> None:
    while alive(pid):
        time.sleep(1)
    for project in sorted(left_projects(since, basetemp, checkout)):
        remove(project)


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4])
