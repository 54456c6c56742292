"""Every stackops task in one Invoke namespace."""

from __future__ import annotations

import os
import sys

from invoke import Collection

from fastapi_stackops.tasks import check_tasks, data_tasks, project_tasks, server_tasks, ship_tasks, stack_tasks


def collection() -> Collection:
    """Every stackops task in one namespace, for a project's tasks.py: `ns = collection()`."""
    tools_of_this_python_first()

    ns = Collection()
    for module in (stack_tasks, check_tasks, data_tasks, project_tasks, ship_tasks, server_tasks):
        for name, body in module.ns.tasks.items():
            ns.add_task(body, name)
    ns.add_collection(ship_tasks.registry)
    ns.add_collection(ship_tasks.cluster)
    ns.add_collection(server_tasks.test_host)
    ns.configure({"run": {"echo": False}})
    return ns


def tools_of_this_python_first() -> None:
    """Commands that tasks run (ruff, hadolint, python) come from the environment running inv.

    `.venv/bin/inv up` without activating the venv must still find the venv's
    tools, as `activate` would have arranged. A PATH that already holds the
    environment (activated, or arranged by the user) is left as it is.
    """
    bin_dir = os.path.dirname(sys.executable)
    path = os.environ.get("PATH", "")
    if bin_dir not in path.split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([bin_dir, path]) if path else bin_dir
