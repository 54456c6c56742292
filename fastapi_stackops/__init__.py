"""stackops: Invoke tasks that build, run, check and ship a FastAPI service with Docker Compose.

A project describes itself in the `[tool.stackops]` table of its pyproject.toml
(fastapi_stackops.contract reads it into fastapi_stackops.project's values), each environment in `<env-dir>/<name>.env.docker` files
(fastapi_stackops.settings), and its services in its Compose files (fastapi_stackops.compose).
"""

from pathlib import Path

#: Files the tooling ships (base-image recipes, the provisioning script).
PACKAGE_DIR = Path(__file__).resolve().parent


class StackError(Exception):
    """A failure the user can fix; its message is one sentence saying how."""


class Interrupted(StackError):
    """Ctrl-C or SIGTERM during a task; its message says what state that left."""
