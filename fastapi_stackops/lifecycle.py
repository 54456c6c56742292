"""Building, starting, stopping and cleaning a stack: the logic behind the tasks."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from pathlib import Path

from fastapi_stackops import StackError, build_cache, cleanup
from fastapi_stackops.building import build_images
from fastapi_stackops.compose import down_args
from fastapi_stackops.console import say, step
from fastapi_stackops.engine import split_reference
from fastapi_stackops.ports import port_problems, published_by
from fastapi_stackops.settings import available_envs, load_settings
from fastapi_stackops.stack import Stack
from fastapi_stackops.startup import Launch
from fastapi_stackops.waiting import held_for_a_fault_test


def check_startable(stack: Stack) -> None:
    """Variables a service cannot start without (the contract's `requires`): checked at start, not at lint."""
    settings = stack.settings
    for name in stack.model.active:
        for variable in settings.config.service(name).requires:
            if not settings.value(variable):
                raise StackError(
                    f"{settings.env_file}: {variable} is required by service {name}; "
                    f"add {variable}=<value> to {settings.local_file} (git-ignored)"
                )


def refused_outside_a_release(stack: Stack, task: str) -> None:
    """A build on a server behind the proxy moves the image tag its next start (a restart, a reboot) runs, with no
    release recorded: only a deploy builds there."""
    if stack.settings.behind_proxy:
        env = stack.settings.cli_env
        raise StackError(
            f"inv {task} --env {env} would build this checkout on the server its proxy serves from (PROXY_PORT in "
            f"{stack.settings.where('PROXY_PORT')}), outside a release: run `inv deploy --env {env}` "
            f"(`inv up --env {env} --no-build` starts what serves)"
        )


def build(stack: Stack, no_cache: bool = False, cache: Path | None = None, release: bool = False) -> dict[str, str]:
    """Build the stack's images (from, and into, a cache folder when given); returns the base-image variables used.
    On a server behind the proxy, only as a release's (deploy's) build."""
    if not release:
        refused_outside_a_release(stack, "rebuild" if no_cache else "build")
    base = stack.base_images
    with step(f"building images of {stack.project}" + (" without cache" if no_cache else "")):
        held_for_a_fault_test("build")
        with build_cache.building_with(stack, cache) as building:
            build_images(building, (), base, no_cache)
    return base


@dataclass(frozen=True)
class Started:
    url: str  # the entry service's
    seconds: float


def up(stack: Stack, build: bool = True) -> Started:
    """Build if needed, start, wait until every service is healthy and every health path answers; else say why."""
    if build:
        refused_outside_a_release(stack, "up")
    # The engine is asked only after the files' own checks; the SDK loads while Compose runs (Stack.reader).
    check_startable(stack)
    problems = port_problems(stack.settings, stack.model, published_by(stack.containers()), stack.reader)
    if problems:
        raise StackError(problems[0])
    base = stack.base_images
    settings = stack.settings
    launch = Launch(stack, base)
    with step(f"starting {settings.project} ({settings.env}) and waiting up to {settings.wait_timeout}s for health"):
        launch.run(build)
    return Started(url=stack.url(), seconds=time.monotonic() - launch.start)


def delete_project_volumes(stack: Stack, anonymous: set[str]) -> None:
    """Delete the volumes Compose made for the project and its containers' anonymous ones; a look-alike is kept, and said."""
    kept = cleanup.unlabelled_volumes(stack.client, stack.project, stack.model.volumes)
    cleanup.remove_volumes(stack.client, stack.project, anonymous)
    for name in kept:
        say(
            f"kept volume {name}: Compose did not create it for {stack.project} (made by hand or another tool); "
            f"delete it yourself if it is not needed: docker volume rm {name}"
        )


def down(stack: Stack, volumes: bool = False) -> None:
    """Stop the stack; with `volumes`, delete the volumes Compose made for it."""
    with step(f"stopping {stack.project}" + (" and DELETING its volumes" if volumes else " (volumes kept)")):
        anonymous = cleanup.anonymous_volumes(stack.containers())
        stack.compose(down_args())
        if volumes:
            delete_project_volumes(stack, anonymous)
        elif anonymous:
            say(
                f"    left {len(anonymous)} anonymous volume(s) ({', '.join(sorted(n[:12] for n in anonymous))}): "
                "the next up starts with new empty ones; mount a named volume there to keep the data"
            )


def image_names_elsewhere(stack: Stack) -> set[str]:
    """Image names the project's other envs (other Compose projects) give their services: never removed by this env's clean."""
    names = set()
    for env in available_envs(stack.config):
        try:
            other = Stack(load_settings(env, stack.config))
            if other.project == stack.project:
                continue
            model = other.model
        except StackError:
            continue  # an env that cannot render names nothing Compose could build
        names |= {":".join(split_reference(model.image_of(s.name, other.project))) for s in model.services.values() if s.built}
    return names


def clean(stack: Stack, volumes: bool = False, label: str = "", quiet: bool = False) -> None:
    """Remove the project's containers, networks and the images it built; volumes only when asked.

    Containers, networks and images are selected by Compose's project label, so
    nothing else on the host is touched, and an image another project uses or
    names stays. Compose only warns about what it could not remove (a network
    another container still uses), so what stayed is looked up and is an error.
    `quiet` keeps Compose's line per container and network to itself (a trial's cleanup, which the user did not ask for).
    """
    project = stack.project
    label = label or f"cleaning {project}" + (" including its volumes (data deleted)" if volumes else " (volumes kept)")
    with step(label):
        anonymous = cleanup.anonymous_volumes(stack.containers())
        stack.compose(down_args(), capture=quiet)
        if volumes:
            delete_project_volumes(stack, anonymous)
        own = {f"{project}-{name}:latest" for name in stack.model.services}
        elsewhere = functools.cache(lambda: image_names_elsewhere(stack))
        images, kept = cleanup.removable_images(stack.client, project, own, elsewhere)
        stayed = cleanup.remove_images(stack.client, images) + cleanup.leftovers(stack.client, project, volumes, anonymous)
        for reason in kept:
            say(f"    kept {reason}")
        if stayed:
            raise StackError(
                f"{project} is not clean, still there: {'; '.join(stayed)}; "
                f"remove what holds them, then inv clean --env {stack.settings.cli_env} again"
            )
