"""A release on one server, switched with no downtime: start beside the old one, gate on health, point the proxy, drain the old.

The entry service runs one container per release under Compose's own
labels (`up --scale N+1 --no-recreate` adds the new one next to the old), so
`status`, `logs`, `down` and `clean` see it as any other. Only a container
that is healthy and answers its health path from inside gets the proxy's
traffic; HAProxy's runtime API sends new requests to it with no reload (the
connections clients hold stay open) while requests in flight finish where
they started, and the old container then stops with its own grace period.
"""

from __future__ import annotations

import shlex
import time
from dataclasses import dataclass

from fastapi_stackops import Interrupted, StackError
from fastapi_stackops.baseimages import PROXY_SERVICE
from fastapi_stackops.commands import last_words
from fastapi_stackops.console import step
from fastapi_stackops.diagnosis import failure_cause, last_logs
from fastapi_stackops.engine import split_reference
from fastapi_stackops.ports import http_port
from fastapi_stackops.ship.releases import Release, git_revision, history, now, read_on_host, record, rollback_target, who
from fastapi_stackops.stack import Stack
from fastapi_stackops.waiting import held_for_a_fault_test, interrupts_held, poll, within

SWITCH = ["/usr/local/bin/proxy-entrypoint.sh", "switch"]
# Asked from inside the new container: a Python service has a Python.
HEALTH_PROBE = "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)"


@dataclass(frozen=True)
class Switched:
    release: Release
    switch_seconds: float  # pointing the proxy at it and reloading
    restorable: Release | None = None  # after a rollback: the deploy whose backup holds the data as it returned to


def entry_image(stack: Stack) -> str:
    """The image name Compose gives the entry service: its `image:`, else <project>-<service>."""
    return stack.model.image_of(stack.config.entry, stack.project)


def proxy(stack: Stack):
    running = [c for c in stack.containers(PROXY_SERVICE) if c.status == "running"]
    if not running:
        raise StackError(f"the proxy of {stack.project} is not running; inv deploy --env {stack.settings.cli_env} starts it")
    return running[0]


def start_others(stack: Stack, base: dict[str, str]) -> None:
    """Every service but the entry (the proxy, a database) running and healthy, as `inv up` leaves them.

    Compose recreates one only when its configuration or image changed. A
    one-shot the entry waits for (`service_completed_successfully`) is run to
    its end here, since the entry itself starts without its dependencies.
    """
    entry = stack.config.entry
    one_shots = [n for n, c in stack.model.services[entry].depends_on.items() if c == "service_completed_successfully"]
    others = [name for name in stack.model.active if name != entry and name not in one_shots]
    with step(f"starting {', '.join(others)} (recreated only if changed)"):
        stack.compose(["up", "--detach", "--wait", "--no-build", *others], extra_env=base, capture=True)
    for one_shot in one_shots:
        with step(f"running {one_shot}, which {entry} waits for"):
            stack.compose(["up", "--no-build", "--no-deps", "--exit-code-from", one_shot, one_shot], extra_env=base, capture=True)


def migrate(stack: Stack, base: dict[str, str]) -> None:
    """The contract's upgrade, once, in the new image, before it gets any traffic; its exception named if it fails."""
    migrations = stack.config.migrations
    if migrations and migrations.upgrade:
        with step(f"migrating with the new image ({migrations.upgrade})"):
            held_for_a_fault_test("migrate")
            command = ["run", "--rm", "--no-deps", migrations.service, *shlex.split(migrations.upgrade)]
            result = stack.compose(command, extra_env=base, capture=True, check=False)
        if result.returncode != 0:
            raise StackError(
                f"the migration ({migrations.upgrade}) failed in the new image, exit {result.returncode}: "
                f"{failure_cause(result.stdout + result.stderr)}; nothing was switched: {what_serves(stack)}"
            )


def _why_not_ready(container) -> str:
    container.reload()
    state = container.attrs["State"]
    health = (state.get("Health") or {}).get("Status", "no healthcheck")
    said = failure_cause(last_logs([container], lines=200))
    status = f"exited {state.get('ExitCode')}" if state.get("Status") == "exited" else f"{state.get('Status')}, {health}"
    return f"{container.name} ({status}): {said}"


def start_beside(stack: Stack, base: dict[str, str], old: list, image_id: str, timeout: int):
    """The new release's container next to the old ones, healthy and answering its health path; else removed, and why.

    It is judged by itself: Compose's --wait also waits for an old container that crash-loops, which is exactly the
    one a fix replaces, so Compose's own verdict counts only when no new container came up healthy.
    """
    entry, started = stack.config.entry, time.monotonic()
    held_for_a_fault_test("beside")
    args = ["up", "--detach", "--no-build", "--no-deps", "--no-recreate", "--wait", "--wait-timeout", str(timeout)]
    result = stack.compose([*args, "--scale", f"{entry}={len(old) + 1}", entry], extra_env=base, capture=True, check=False)
    new = [c for c in stack.look_again().containers(entry) if c.id not in {o.id for o in old}]
    held_for_a_fault_test("health")  # the new container up (healthy, by Compose's --wait), no traffic yet
    health = poll(lambda: _health(new[0]), within(max(timeout - (time.monotonic() - started), 1))) if new else None
    problem = "" if health == "healthy" else f"Compose said: {last_words(result, 1)}"
    if new and not problem:
        problem = _health_path(stack, new[0]) or _runs(new[0], image_id)
    if problem or not new:
        why = _why_not_ready(new[0]) if new else "no container was created"
        for container in new:
            container.remove(force=True, v=True)
        raise StackError(
            f"the new release of {entry} did not become healthy (health gate {timeout}s; {problem}); {why}; {what_serves(stack)}"
        )
    return new[0]


def _health(container) -> str | None:
    """ "healthy", "failed" (exited, restarting, unhealthy), or None while it may still become healthy."""
    container.reload()
    state = container.attrs["State"]
    running = state.get("Status") == "running"
    if "Health" not in state:  # no healthcheck: the health path's probe says what is missing
        return "healthy" if running else "failed"
    health = state["Health"].get("Status")
    return "healthy" if health == "healthy" else None if running and health == "starting" else "failed"


def _runs(container, image_id: str) -> str:
    """ "" when the container runs the release's image; a container that was only started again runs an older one."""
    return (
        ""
        if container.attrs["Image"] == image_id
        else f"{container.name} runs image {container.attrs['Image'][:19]}, not the release's"
    )


def _health_path(stack: Stack, container) -> str:
    """ "" when the container is healthy by its healthcheck and its health path answers from inside; else what is wrong."""
    container.reload()
    if "Health" not in container.attrs["State"]:
        return f"{container.name} has no healthcheck, so nothing says when it is ready; add one to its image or Compose service"
    entry = stack.config.entry
    url = f"http://127.0.0.1:{http_port(stack.settings, stack.model, entry)}{stack.config.service(entry).health or '/'}"
    probe = container.exec_run(["python", "-c", HEALTH_PROBE, url])
    return (
        ""
        if probe.exit_code == 0
        else f"its health path {url} did not answer: {probe.output.decode(errors='replace').strip()[-200:]}"
    )


def switch_proxy(stack: Stack, container) -> float:
    """Point the proxy at one container and reload it; the seconds it took."""
    started = time.monotonic()
    entry = stack.config.entry
    port = http_port(stack.settings, stack.model, entry)
    upstream = f"{container.name}:{port}"
    result = proxy(stack).exec_run([*SWITCH, upstream, f"{entry}:{port}"])
    if result.exit_code != 0:
        raise StackError(f"the proxy did not switch to {upstream}: {result.output.decode(errors='replace').strip()[-300:]}")
    return time.monotonic() - started


def drain(old: list) -> None:
    """Stop the old containers with their own grace period (requests in flight finish), then remove them."""
    held_for_a_fault_test("drain")
    for container in old:
        container.stop(timeout=container.attrs["Config"].get("StopTimeout") or 30)
        container.remove(v=True)  # v: an anonymous volume its image declares goes with it, not one per deploy


def running_entries(stack: Stack) -> list:
    """The entry's running (or restarting) containers; a stopped one (a drain that was interrupted) is removed first:
    it serves nothing, and `up --scale` would start it again in place of a new one."""
    containers = stack.look_again().containers(stack.config.entry)
    for container in (c for c in containers if c.status not in ("running", "restarting")):
        container.remove(force=True, v=True)
    return [c for c in containers if c.status in ("running", "restarting")]


def roll_to(
    stack: Stack, base: dict[str, str], image_id: str, note: str, timeout: int, revision: str | None = None, backup: str = ""
) -> Switched:
    """Run the entry's current image as the next release: beside, health, switch, record, drain; else nothing changes.
    Interrupted, it says what serves: before the switch the new container goes; after it, the release is recorded."""
    proxy(stack)  # before anything starts: a release is switched by it or not at all
    old = running_entries(stack)
    try:
        with step(f"starting the new release beside {len(old)} running and waiting up to {timeout}s for health"):
            new = start_beside(stack, base, old, image_id, timeout)
    except KeyboardInterrupt:
        for container in (c for c in stack.look_again().containers(stack.config.entry) if c.id not in {o.id for o in old}):
            container.remove(force=True, v=True)
        raise Interrupted(f"interrupted before the switch; the new container was removed; {what_serves(stack)}") from None
    try:
        # A release that serves is a recorded one: a Ctrl-C here waits for both, never splits them.
        with interrupts_held(), step(f"switching the proxy to {new.name} and recording the release"):
            held_for_a_fault_test("switch")
            switch_seconds = switch_proxy(stack, new)
            release = tag_release(stack, image_id, note, revision, backup)
        with step(f"draining {', '.join(c.name for c in old) or 'nothing'}"):
            drain(old)
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted after the switch; release {release.number} serves and is recorded; the next deploy removes "
            "what is left of the old containers"
        ) from None
    return Switched(release, switch_seconds)


def tag_release(stack: Stack, image_id: str, note: str, revision: str | None = None, backup: str = "") -> Release:
    """Record the release on the host, its image tagged so it stays until asked to go; a rollback's revision is the
    one it returned to, not the checkout's."""
    recorded = history(proxy(stack))
    number = (recorded[-1].number if recorded else 0) + 1
    repository, _ = split_reference(entry_image(stack))
    stack.client.images.get(image_id).tag(repository, f"release-{number}")
    revision = git_revision(stack.config.root) if revision is None else revision
    release = Release(number, image_id, f"{repository}:release-{number}", revision, now(), who(), note, backup)
    record(proxy(stack), release)
    return release


def proxied(stack: Stack) -> str:
    """The container the proxy sends new requests to, as its state names it ("" before any switch)."""
    said = read_on_host(proxy(stack), "/var/lib/proxy/serving").strip()
    return said.rpartition(":")[0]


def serving(stack: Stack, releases: list[Release]) -> Release | None:
    """The latest recorded release whose image runs in the container the proxy sends to (after a proxy restart, which
    names the service, any running one of the entry's); None when that container does not run."""
    containers = [c for c in stack.look_again().containers(stack.config.entry) if c.status == "running"]
    upstream = proxied(stack)
    named = [c for c in containers if c.name == upstream]
    running = {c.attrs["Image"] for c in (named if named or upstream.startswith(stack.project) else containers)}
    return next((r for r in reversed(releases) if r.image in running), None)


def what_serves(stack: Stack) -> str:
    """What serves now, as a clause for a message: the truth, never assumed."""
    current = serving(stack, history(proxy(stack)))
    return f"release {current.number} keeps serving" if current else "no recorded release is serving"


def previous(stack: Stack, releases: list[Release], to: int | None = None) -> Release:
    """What a rollback returns to (`to`: that release); refused when nothing serves or nothing is earlier."""
    current = serving(stack, releases)
    if current is None:
        raise StackError(
            f"no recorded release of {stack.project} is serving; deploy first (inv deploy --env {stack.settings.cli_env})"
        )
    return rollback_target(releases, current, to)
