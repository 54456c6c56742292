"""Deploying to one Docker host behind its proxy (an env with PROXY_PORT): deploy, roll back, list releases, release the lock.

Images are built by the host's own engine (Compose streams the build
context over the SSH tunnel), so no registry is needed and the image a
release runs is the one the host built; rollback reuses what it kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from fastapi_stackops import StackError, lifecycle
from fastapi_stackops.backup_runner import back_up_before_migrating
from fastapi_stackops.baseimages import PROXY_SERVICE
from fastapi_stackops.engine import image_exists, split_reference
from fastapi_stackops.ship.releases import Release, backup_before, deploy_lock, history
from fastapi_stackops.ship.rollout import Switched, entry_image, migrate, previous, proxy, roll_to, serving, start_others
from fastapi_stackops.stack import Stack


def stable_address(stack: Stack) -> str:
    """http://host:PROXY_PORT: the server's name as ssh resolves it (its config's HostName), and the proxy's port."""
    return f"http://{stack.settings.target.public_host()}:{stack.settings.value('PROXY_PORT')}"


def _check(stack: Stack) -> None:
    """The entry must be able to run twice side by side: no fixed host port (the proxy holds the stable one)."""
    entry = stack.config.entry
    fixed = [p for p in stack.model.services[entry].ports if p.published]
    if fixed:
        keys = stack.settings.keys_with_value(str(fixed[0].published))
        fix = f"set {keys[0]}=0 in {stack.settings.where(keys[0])}" if keys else f"remove the port from {entry}'s Compose service"
        raise StackError(
            f"service {entry} publishes fixed host port {fixed[0].published}, so a new release cannot start beside the old; "
            f"the proxy holds the stable port (PROXY_PORT): {fix}"
        )
    lifecycle.check_startable(stack)


def deploy(stack: Stack, build: bool, timeout: int, lock_wait: int) -> Switched:
    """Build on the host, migrate once, start the new release beside the old, switch the proxy once it is healthy, drain."""
    _check(stack)
    base = stack.base_images
    with deploy_lock(
        stack.client, stack.project, base["PROXY_IMAGE"], lock_wait, stack.settings.target.label, stack.settings.cli_env
    ):
        with tag_kept_on_what_serves(stack):
            if build:
                lifecycle.build(stack, release=True)
            image = stack.client.images.get(entry_image(stack)).id
            start_others(stack, base)
            backup = back_up_before_migrating(stack)
            migrate(stack, base)
            return roll_to(stack, base, image, "deploy", timeout, backup=backup)


def rollback(stack: Stack, timeout: int, lock_wait: int, to: int | None = None) -> Switched:
    """Run the release before the serving one (or release `to`) again, through the same switch; the database stays as
    migrated."""
    base = stack.base_images
    with deploy_lock(
        stack.client, stack.project, base["PROXY_IMAGE"], lock_wait, stack.settings.target.label, stack.settings.cli_env
    ):
        recorded = history(proxy(stack))
        target = previous(stack, recorded, to)
        with tag_kept_on_what_serves(stack):
            stack.client.images.get(target.tag).tag(*split_reference(entry_image(stack)))
            switched = roll_to(stack, base, target.image, f"rollback to {target.number}", timeout, target.revision)
        return replace(switched, restorable=backup_before(recorded, target))


@contextmanager
def tag_kept_on_what_serves(stack: Stack) -> Iterator[None]:
    """A release refused or interrupted leaves the service's image tag on what serves: the build had moved it to the
    new image, and the next `up` (persistence-check's restart, a reboot's) would have started that one instead. What
    serves is the recorded release the proxy sends to; when that cannot be read (no proxy yet, a history the engine's
    answer cut), the image the tag named before."""
    tagged = split_reference(entry_image(stack))
    before = image_exists(stack.client, ":".join(tagged))
    try:
        yield
    except BaseException:
        try:
            current = serving(stack, history(proxy(stack)))
        except StackError:
            current = None
        kept = current.image if current else before.id if before else None
        if kept:
            stack.client.images.get(kept).tag(*tagged)
        raise


def releases(stack: Stack) -> tuple[list[Release], Release | None]:
    """The host's releases, oldest first, and the one serving."""
    if PROXY_SERVICE not in stack.model.active:
        raise StackError(f"{stack.settings.env_file}: no PROXY_PORT, so {stack.project} is not deployed to a server")
    recorded = history(proxy(stack))
    return recorded, serving(stack, recorded)
