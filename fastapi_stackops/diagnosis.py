"""Saying why a service is not ready: its logs, their error lines, and one sentence naming what failed."""

from __future__ import annotations

import re

import docker

from fastapi_stackops.console import say
from fastapi_stackops.engine import service_states, started_at
from fastapi_stackops.stack import Stack

# JSON log levels, and PostgreSQL's and uvicorn's plain prefixes.
ERROR_LINE = re.compile(r'"level": "(ERROR|CRITICAL)"|\b(ERROR|FATAL|PANIC|CRITICAL):')
# The line that ends a Python traceback: `RuntimeError: ...`, `sqlalchemy.exc.OperationalError: ...`,
# `kombu.exceptions.VersionMismatch: ...` (plain, or inside a JSON line's exc_info).
EXCEPTION_LINE = re.compile(r"^\s*[A-Za-z_][\w.]*(Error|Exception|Exit): .+|^(?:[a-z_]\w*\.)+[A-Z]\w*: .+")

# A process manager's own exit when its worker died (gunicorn's arbiter): a consequence, never the cause.
MANAGER_EXIT = re.compile(r"gunicorn\.errors\.HaltServer|Worker failed to boot")

TRACEBACK = re.compile(r"Traceback \(most recent call last\)")
#: A message saying the traceback after it was handled: a warning logged with its exception (passlib's "(trapped) error
#: reading bcrypt version"), or one Python ignored ("Exception ignored in: ...").
HANDLED = re.compile(r"\(trapped\)|^Exception ignored in|\bWARNING\b")


def error_lines(log: str, limit: int = 6) -> list[str]:
    """The last error lines of a log: error levels, and each traceback's exception; a line repeated (a restarting
    container says the same at each start) is kept once, where it last came.

    A container that keeps restarting buries its error under each new start's
    lines, so a failure is explained by its errors first, not only by the tail.
    """
    lines = unhandled(log.replace("\\n", "\n").splitlines())
    found = [line if ERROR_LINE.search(line) else line.strip().rstrip('"}') for line in lines if is_error(line)]
    told = [line for line in found if not TRACEBACK.search(line)]  # a header alone, cut off, still counts
    return list(reversed(dict.fromkeys(reversed(told or found))))[-limit:]


def unhandled(lines: list[str]) -> list[str]:
    """The lines less each traceback a warning logged or Python ignored, from its header to its exception."""
    kept, handled = [], False
    for previous, line in zip(["", *lines], lines, strict=False):  # each line with the one before
        handled = handled or bool(TRACEBACK.search(line) and (HANDLED.search(previous) or HANDLED.search(line)))
        if not handled:
            kept.append(line)
        elif EXCEPTION_LINE.match(line) and not line[:1].isspace():  # its exception ends it
            handled = False
    return kept


def is_error(line: str) -> bool:
    return bool(ERROR_LINE.search(line) or EXCEPTION_LINE.match(line) or TRACEBACK.search(line))


def log_summary(log: str, errors: int = 2) -> list[str]:
    """What a log says went wrong in a line or two: its last error lines, else its last line."""
    return error_lines(log, limit=errors) or log.strip().splitlines()[-1:]


def failure_cause(log: str) -> str:
    """The one line that best says why a process failed: the exception its last traceback ended in, else its last error line."""
    # A JSON log line keeps its traceback in one string, its newlines escaped.
    lines = log.replace("\\n", "\n").splitlines()
    exceptions = [line.strip().rstrip('"}') for line in lines if EXCEPTION_LINE.match(line)]
    exceptions = [line for line in exceptions if not MANAGER_EXIT.search(line)] or exceptions
    summary = log_summary(log)
    return exceptions[-1] if exceptions else (summary[-1] if summary else "no output")


def last_logs(containers: list, lines: int = 30, this_run: bool = False) -> str:
    """The containers' last log lines; with `this_run`, only those since each container last started."""
    chunks = []
    for container in containers:
        start = started_at(container) if this_run else None
        # A float keeps the fraction: the SDK rounds a datetime down to the second.
        since = start.timestamp() if start else None
        chunks.append(container.logs(tail=lines, since=since).decode("utf-8", "replace"))
    return "".join(chunks)


#: A check's detail naming an answer of the server's own failure (POST /items answered 500, ...).
SERVER_ERROR = re.compile(r"answered 5\d\d\b")


def said_by_the_service(stack: Stack, service: str, results: list) -> None:
    """After a check the service answered with its own failure (a 500), that failure in its own words: the error lines
    its log holds since it last started, which the answer's body never says ("Internal Server Error")."""
    if not any(not r.ok and SERVER_ERROR.search(r.detail) for r in results):
        return
    errors = error_lines(last_logs(stack.containers(service), lines=300, this_run=True), limit=4)
    if errors:
        say(f"  {service}'s log says:\n" + "\n".join(f"    {line}" for line in errors))


def healthcheck_hint(healthcheck: dict | None) -> str:
    """What an unhealthy container's own healthcheck allowed, when it gave a slow first start no start period."""
    if not healthcheck or healthcheck.get("StartPeriod") or healthcheck.get("Test", ["NONE"])[0] == "NONE":
        return ""
    # The engine's defaults, in nanoseconds where it counts time.
    interval = (healthcheck.get("Interval") or 30_000_000_000) / 1e9
    retries = healthcheck.get("Retries") or 3
    failures = f"{retries} failure" + ("s" if retries != 1 else "")
    return (
        f"its healthcheck gave up after {failures} {interval:g}s apart with no start_period; "
        "a first start slower than that (a database initialising its volume) needs healthcheck.start_period"
    )


#: What a start that still runs a step and has said nothing waits on, most often (MamangRust's alembic, at an address).
WAITS = "{service}'s start still runs {step}, with nothing in its log: a step before the server waits, most often on an address it cannot reach"


def silent_step(top: dict) -> str:
    """The newest process of a container's list (the engine's `top`), when more than its first runs: the step its
    start command waits in (`sh -c "alembic upgrade heads && exec uvicorn ..."` runs alembic until it ends); "" when
    the first runs alone (the server itself)."""
    titles, processes = top.get("Titles") or [], top.get("Processes") or []
    return str(processes[-1][titles.index("CMD")]) if len(processes) > 1 and "CMD" in titles else ""


def running_step(containers: list) -> str:
    """silent_step of the first container that answers."""
    for container in containers:
        try:
            return silent_step(container.top())
        except docker.errors.APIError:  # gone since, or no longer running
            continue
    return ""


def explain_failed_start(stack: Stack, compose_error: str = "", why: str = "", show: list[str] | None = None) -> str:
    """Print the error lines and log tail of each unready service (or those named); one sentence naming them."""
    settings = stack.settings
    states = service_states(stack.client, stack.look_again().containers())
    bad = [s for s in states if not s.ok]
    # The container Compose's --wait gave up on, though it has recovered since (a worker restarted once): its own words.
    named = [s for s in states if s.container in given_up_on(compose_error)]
    waiting = {}  # service -> the step its start still runs, having said nothing
    for state in [s for s in states if s.service in show] if show else (bad or named):
        log = last_logs(stack.containers(state.service), lines=500)
        say(f"--- {state.service} ({state.status}, {state.health}) ---")
        errors = error_lines(log)
        if errors:
            say("errors:\n" + "\n".join(errors))
        say("last lines:\n" + ("\n".join(log.splitlines()[-20:]) or "(no output)"))
        if not log.strip() and state.status == "running" and (step := running_step(stack.containers(state.service))):
            waiting[state.service] = step
            say(f"still running: {step}")
    more = f"(more: inv logs --env {settings.cli_env})"
    if not states:
        said = f": Compose said {compose_error!r}" if compose_error else ""
        return f"{settings.project} did not start{said} (its whole output is above)"
    if why:
        return f"{why}; its errors and last log lines are above {more}"
    if not bad and compose_error:
        above = f"; its errors and last log lines are above {more}" if named else ""
        return f"Compose's up --wait failed for {settings.project}: {compose_error}{above}"
    if not bad:
        return f"{settings.project} did not become healthy within {settings.wait_timeout}s; raise WAIT_TIMEOUT in {settings.env_file} or see `inv logs`"
    names = ", ".join(f"{s.service} ({s.status}, {s.health})" for s in bad)
    hints = [WAITS.format(service=service, step=step) for service, step in waiting.items()]
    hints += [healthcheck_hint(c.attrs["Config"].get("Healthcheck")) for c in stack.containers() if c.name in unhealthy(bad)]
    hint = next((f"; {h}" for h in hints if h), "")
    return f"{names} of {settings.project} did not become healthy{hint}; its errors and last log lines are above {more}"


#: How Compose's `up --wait` names a container it gave up on, and why.
GAVE_UP = re.compile(r"container (\S+) (is unhealthy|exited)")


def given_up_on(compose_error: str, why: tuple[str, ...] = ("is unhealthy", "exited")) -> list[str]:
    """The containers Compose's `up --wait` names in its error as the ones it gave up on, for one of `why`."""
    return [name for name, how in GAVE_UP.findall(compose_error) if how in why]


def unhealthy(states: list) -> set[str]:
    return {s.container for s in states if s.health == "unhealthy"}


def given_up_words(stack: Stack, compose_error: str) -> str:
    """What the containers Compose gave up on say went wrong, in their own error lines ("" when none says): why a
    dependency of `compose run` never became healthy (a database whose init script failed)."""
    names = set(given_up_on(compose_error))
    if not names:
        return ""
    said = [
        f"{container.name} says: {' / '.join(errors)}"
        for container in stack.look_again().containers()
        if container.name in names and (errors := error_lines(last_logs([container], lines=300), limit=2))
    ]
    return "; ".join(said)
