"""What every task shares: the decorator that turns a failure into one sentence, the env's Stack, flag parsing."""

from __future__ import annotations

import functools
import gc
import os
import signal
import sys

from invoke import Exit, task

from fastapi_stackops import Interrupted, StackError
from fastapi_stackops.commands import CommandFailed
from fastapi_stackops.lazy import docker

ENV_HELP = "Environment: a name from the project's env folder (dev, ci, ...) or an env file path; default $STACK_ENV, then dev."
BUILD_CACHE_HELP = (
    "A folder the runner keeps between CI runs: the images built last time are loaded from it and built from,"
    " then saved to it (relative to the project)."
)


def interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def reports_errors(body):
    """Turn the failures a user can fix into one sentence and a non-zero exit, never a traceback."""

    @functools.wraps(body)
    def wrapper(*args, **kwargs):
        signal.signal(signal.SIGTERM, interrupt)  # as Ctrl-C: cleanups run (a deploy lock goes) before the exit
        try:
            return body(*args, **kwargs)
        except KeyboardInterrupt:
            raise Exit("interrupted: what was under way was stopped where it stood", code=130) from None
        except Interrupted as error:  # no error: what a signal stopped, and the state it left
            raise Exit(str(error), code=130) from None
        except CommandFailed as error:
            raise Exit(f"error: {error}", code=error.code or 1) from None
        except StackError as error:
            raise Exit(f"error: {error}", code=1) from None
        except docker.errors.DockerException as error:
            reason = str(getattr(error, "explanation", None) or error).splitlines()[0][:200]
            raise Exit(f"error: the Docker engine refused a request ({reason}); check it with `inv doctor`", code=1) from None
        except OSError as error:  # the SDK's transport (requests, urllib3) gave up on the engine
            if not type(error).__module__.startswith(("requests", "urllib3")):
                raise
            raise Exit(f"error: {engine_unanswered(error)}", code=1) from None
        finally:
            # What the task made is never scanned by the collector again, so the interpreter's last collections at
            # exit skip it: ~30 ms of CPU at the end of every task here (inv bench's stack rows).
            gc.freeze()

    return wrapper


def engine_unanswered(error: OSError) -> str:
    """A transport failure in one sentence: a read timeout means the engine is busy, and may still finish the request."""
    if "timed out" in str(error).lower():
        return (
            "the Docker engine did not answer in time (it is busy, and may still finish what was asked); "
            "run the task again, or check the engine with `inv doctor`"
        )
    return f"the Docker engine could not be reached ({str(error).splitlines()[0][:200]}); check it with `inv doctor`"


def stack_task(*args, **kwargs):
    """Invoke's @task (bare or with its arguments) whose failures end in one sentence and a non-zero exit.

    A task's Invoke context goes unused: every command stackops runs goes
    through fastapi_stackops.commands, the one way it runs and reports them.
    """
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return task(reports_errors(args[0]))
    return lambda body: task(*args, **kwargs)(reports_errors(body))


def open_stack(env: str | None = None, config=None):
    """The Stack of an env, for one task, its model rendering meanwhile; imported here, on first use, so that
    `inv --list` loads none of it."""
    from fastapi_stackops.stack import Stack

    return Stack.of_env(env, config).render_ahead()


def interactive() -> bool:
    """A TTY for exec and shell only at a terminal, never in CI."""
    return sys.stdin.isatty() and sys.stdout.isatty() and not os.environ.get("CI")


def count(value, flag: str, low: int = 1) -> int:
    """A whole-number flag, or one line saying it is not one."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or number < low:
        raise StackError(f"--{flag} takes a whole number of at least {low}, got {value!r}")
    return number
