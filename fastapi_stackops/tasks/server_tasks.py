"""Tasks for one server behind a proxy (an env with PROXY_PORT), and a test host to try them on."""

from __future__ import annotations

import time

from invoke import Collection

from fastapi_stackops.console import say, step
from fastapi_stackops.lazy import lazy_import
from fastapi_stackops.tasks.shared import ENV_HELP, count, open_stack, stack_task

engine = lazy_import("fastapi_stackops.engine")
releases_on_host = lazy_import("fastapi_stackops.ship.releases")
server = lazy_import("fastapi_stackops.ship.server")
testhost = lazy_import("fastapi_stackops.ship.testhost")

TIMEOUT_HELP = "Seconds the new release has to become healthy before the deploy fails (default 120)."
LOCK_HELP = "Seconds to wait for another deploy to this host to finish (default 300)."


def report(stack, switched, what: str, started: float) -> None:
    """The release, and the whole task's time (not only the new container's)."""
    release, seconds = switched.release, time.monotonic() - started
    say(f"{what} release {release.number} of {stack.project} ({release.revision or 'no git revision'}) in {seconds:.1f}s")
    say(f"  proxy switched in {switched.switch_seconds:.2f}s; image {release.image[:19]} kept as {release.tag}")
    say(f"  stable address: {server.stable_address(stack)}")
    if switched.restorable:  # a rollback: the code went back, the data stays as later deploys migrated it
        backup, number = switched.restorable.backup, switched.restorable.number
        say(
            f"  the database stays as migrated; release {number} backed it up before its migration: "
            f"inv restore {backup} --env {stack.settings.cli_env} puts that back (what was written since is lost)"
        )


def server_deploy(stack, build: bool, timeout, lock_wait, started: float) -> None:
    switched = server.deploy(stack, build, count(timeout, "timeout"), count(lock_wait, "lock-wait", low=0))
    report(stack, switched, "deployed", started)


@stack_task(
    help={
        "env": ENV_HELP + " (with PROXY_PORT)",
        "timeout": TIMEOUT_HELP,
        "lock_wait": LOCK_HELP,
        "to": "The release number to return to (inv releases lists them); default: the one before the serving one.",
    }
)
def rollback(c, env=None, timeout=120, lock_wait=300, to=None):
    """Return the server to the release before the serving one (a second rollback goes further back), with no downtime."""
    started = time.monotonic()
    say(f"==> rollback ({env or 'the default env'}): reaching its server")
    stack = open_stack(env)
    target = count(to, "to") if to is not None else None
    switched = server.rollback(stack, count(timeout, "timeout"), count(lock_wait, "lock-wait", low=0), target)
    report(stack, switched, "rolled back as", started)


@stack_task(help={"env": ENV_HELP + " (with PROXY_PORT)"})
def releases(c, env=None):
    """List the releases recorded on the server; * marks the one serving."""
    stack = open_stack(env)
    recorded, current = server.releases(stack)
    for release in recorded:
        mark = "*" if current and release.number == current.number else " "
        note = f"  ({release.note})" if release.note != "deploy" else ""
        note += f"  backed up first: {release.backup}" if release.backup else ""
        say(
            f"{mark} {release.number:>3}  {release.time}  {release.revision or '-':<18} {release.image[7:19]}  {release.by}{note}"
        )
    if not recorded:
        say(f"  no release of {stack.project} is recorded on {stack.settings.target.label}")


@stack_task(name="deploy-unlock", help={"env": ENV_HELP})
def deploy_unlock(c, env=None):
    """Release the server's deploy lock left by a deploy that was killed; says whose it was."""
    stack = open_stack(env)
    held = releases_on_host.unlock(stack.client, stack.project)
    say(f"  released the deploy lock held by {held}" if held else f"  nobody holds the deploy lock of {stack.project}")


@stack_task(name="up", help={"env": ENV_HELP + " (for the Debian mirror its image is built from)"})
def host_up(c, env=None):
    """Start a "remote" Docker host on this machine, reached over SSH, to try a server deploy on."""
    stack = open_stack(env)
    host = testhost.host_up(stack.settings, stack.client)
    say(f"  test host at {host.address}; in an env file:")
    say(f"    DOCKER_HOST={host.docker_host}\n    SSH_CONFIG={host.ssh_config}")


@stack_task(name="down")
def host_down(c):
    """Remove the test host and everything inv test-host.up made; nothing else."""
    with step("removing the test host"):
        removed = testhost.host_down(engine.connect(timeout=engine.SLOW_REMOVAL))
    say(f"  removed: {', '.join(removed)}" if removed else "  no test host was running")


ns = Collection(rollback, releases, deploy_unlock)
test_host = Collection("test-host", host_up, host_down)
