"""Invoke tasks, one module per concern; tasks.py assembles them into one namespace."""

from __future__ import annotations

import functools
import os
import sys

from docker.errors import DockerException
from invoke import Exit, UnexpectedExit

from ops import StackError

ENV_HELP = "Environment: a name from env/ (dev, ci, prod, ...) or an env file path; default $STACK_ENV, then dev."


def reports_errors(body):
    """Turn the failures a user can fix into one sentence and a non-zero exit, never a traceback."""

    @functools.wraps(body)
    def wrapper(*args, **kwargs):
        try:
            return body(*args, **kwargs)
        except StackError as error:
            raise Exit(f"error: {error}", code=1) from None
        except DockerException as error:
            reason = str(getattr(error, "explanation", None) or error).splitlines()[0][:200]
            raise Exit(f"error: the Docker engine refused a request ({reason}); check it with `inv doctor`", code=1) from None
        except UnexpectedExit as error:
            command = error.result.command
            short = command if len(command) < 120 else command[:117] + "..."
            raise Exit(
                f"error: `{short}` failed (exit {error.result.exited}); its output is above", code=error.result.exited or 1
            ) from None

    return wrapper


def interactive() -> bool:
    """A TTY for exec and shell only at a terminal, never in CI."""
    return sys.stdin.isatty() and sys.stdout.isatty() and not os.environ.get("CI")
