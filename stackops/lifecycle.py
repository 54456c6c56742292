"""Building, starting, stopping and cleaning a stack: the logic behind the tasks."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from invoke import Context

from stackops import StackError, cleanup
from stackops.baseimages import ensure_base_images
from stackops.compose import ComposeModel, down_args, render, run_compose, up_args
from stackops.console import Echo, say, step
from stackops.engine import (
    container_publishing,
    crash_looping,
    error_lines,
    last_logs,
    port_is_free,
    published_address,
    published_by_project,
    restart_counts,
    service_states,
    split_reference,
)
from stackops.lazy import docker
from stackops.settings import StackSettings, available_envs, load_settings


def http_port(settings: StackSettings, model: ComposeModel, service: str) -> int | None:
    """The container port a service answers HTTP on: the contract's, else its first published one."""
    declared = settings.config.service(service).port
    if declared:
        return declared
    ports = model.services[service].ports
    return ports[0].target if ports else None


def service_url(client: docker.DockerClient, settings: StackSettings, model: ComposeModel, service: str) -> str:
    """http://host:port of a running service, from the port the engine published: the one place this is decided."""
    port = http_port(settings, model, service)
    if port is None:
        raise StackError(
            f"service {service} publishes no port; publish one in its Compose file (127.0.0.1:0:PORT lets the engine choose)"
        )
    address = published_address(client, settings.project, service, port)
    if address is None:
        raise StackError(
            f"service {service} of {settings.project} is not running with port {port} published; "
            f"start it with inv up --env {settings.cli_env}"
        )
    return f"http://{address[0]}:{address[1]}"


def port_problems(client: docker.DockerClient | None, settings: StackSettings, model: ComposeModel) -> list[str]:
    """Host ports the active services publish that something other than this stack holds.

    `inv up` refuses to start on any; `inv doctor` lists them all.
    """
    ours = published_by_project(client, settings.project) if client else set()
    problems = []
    for name in model.active:
        for binding in model.services[name].ports:
            if binding.published == 0 or binding.published in ours or port_is_free(binding.host_ip, binding.published):
                continue
            holder = (client and container_publishing(client, binding.published)) or "another process"
            keys = settings.keys_with_value(str(binding.published))
            fix = (
                f"set {keys[0]} in {settings.where(keys[0])} to a free port (0 lets the engine choose)"
                if keys
                else f"change the published port of {name} in its Compose file"
            )
            problems.append(
                f"port {binding.published} on {binding.host_ip} (service {name}) is in use by {holder}; {fix}, or stop it"
            )
    return problems


def check_startable(settings: StackSettings, model: ComposeModel) -> None:
    """Variables a service cannot start without (the contract's `requires`): checked at start, not at lint."""
    for name in model.active:
        for variable in settings.config.service(name).requires:
            if not settings.value(variable):
                raise StackError(
                    f"{settings.env_file}: {variable} is required by service {name}; "
                    f"add {variable}=<value> to {settings.local_file} (git-ignored)"
                )


def build(c: Context, settings: StackSettings, client: docker.DockerClient, no_cache: bool = False) -> dict[str, str]:
    """Build the stack's images; returns the base-image variables used."""
    base = ensure_base_images(settings, render(settings), client)
    with step(f"building images of {settings.project}" + (" without cache" if no_cache else "")):
        run_compose(c, settings, ["build"] + (["--no-cache"] if no_cache else []), extra_env=base)
    return base


@dataclass(frozen=True)
class Started:
    url: str  # the entry service's
    seconds: float


def up(c: Context, settings: StackSettings, client: docker.DockerClient, build: bool = True) -> Started:
    """Build if needed, start, wait for health; an unhealthy service's logs explain a failure."""
    model = render(settings)
    check_startable(settings, model)
    problems = port_problems(client, settings, model)
    if problems:
        raise StackError(problems[0])
    base = ensure_base_images(settings, model, client)
    start = time.monotonic()
    baseline = restart_counts(client, settings.project)
    with step(f"starting {settings.project} ({settings.env}) and waiting up to {settings.wait_timeout}s for health"):
        # Compose's own progress, warnings and errors stream to the user as
        # they come (an asynchronous run would otherwise capture them).
        compose_said = Echo(sys.stderr)
        waiting = run_compose(
            c,
            settings,
            up_args(settings, build=build),
            extra_env=base,
            warn=True,
            asynchronous=True,
            out_stream=sys.stdout,
            err_stream=compose_said,
        )
        crashed = None
        heartbeat = checked = time.monotonic()
        while not waiting.runner.process_is_finished and crashed is None:
            # Compose's exit is noticed at once; the engine is asked about
            # crash loops only every half second.
            time.sleep(0.02)
            if time.monotonic() - checked >= 0.5:
                checked = time.monotonic()
                crashed = crash_looping(client, settings.project, baseline)
            if time.monotonic() - heartbeat >= HEARTBEAT_SECONDS:
                heartbeat = time.monotonic()
                say(f"    {heartbeat - start:4.0f}s: {waiting_for(client, settings)}")
        if crashed:
            waiting.runner.kill()  # no use waiting for a service that is crashing
        result = waiting.join()
        if crashed or result.failed:
            raise StackError(explain_failed_start(client, settings, compose_said.last_line()))
    return Started(url=service_url(client, settings, model, settings.config.entry), seconds=time.monotonic() - start)


HEARTBEAT_SECONDS = 10


def waiting_for(client: docker.DockerClient, settings: StackSettings) -> str:
    """What a long start is waiting on, for the heartbeat line."""
    pending = [
        f"{s.service} {s.status if s.health == '-' else s.health}" for s in service_states(client, settings.project) if not s.ok
    ]
    return "waiting for " + ", ".join(pending) if pending else "building or creating"


def explain_failed_start(client: docker.DockerClient, settings: StackSettings, compose_error: str = "") -> str:
    states = service_states(client, settings.project)
    bad = [s for s in states if not s.ok]
    for state in bad:
        log = last_logs(client, settings.project, state.service, lines=500)
        say(f"--- {state.service} ({state.status}, {state.health}) ---")
        errors = error_lines(log)
        if errors:
            say("errors:\n" + "\n".join(errors))
        say("last lines:\n" + ("\n".join(log.splitlines()[-20:]) or "(no output)"))
    if not states:
        said = f": Compose said {compose_error!r}" if compose_error else ""
        return f"{settings.project} did not start{said} (its whole output is above)"
    if not bad:
        return f"{settings.project} did not become healthy within {settings.wait_timeout}s; raise WAIT_TIMEOUT in {settings.env_file} or see `inv logs`"
    names = ", ".join(f"{s.service} ({s.status}, {s.health})" for s in bad)
    return f"{names} of {settings.project} did not become healthy; its errors and last log lines are above (more: inv logs --env {settings.cli_env})"


def delete_project_volumes(client: docker.DockerClient, settings: StackSettings, anonymous: set[str]) -> None:
    """Delete the volumes Compose made for the project and its containers' anonymous ones; a look-alike is kept, and said."""
    kept = cleanup.unlabelled_volumes(client, settings.project, render(settings).volumes)
    cleanup.remove_volumes(client, settings.project, anonymous)
    for name in kept:
        say(
            f"kept volume {name}: Compose did not create it for {settings.project} (made by hand or another tool); "
            f"delete it yourself if it is not needed: docker volume rm {name}"
        )


def down(c: Context, settings: StackSettings, client: docker.DockerClient, volumes: bool = False) -> None:
    """Stop the stack; with `volumes`, delete the volumes Compose made for it."""
    with step(f"stopping {settings.project}" + (" and DELETING its volumes" if volumes else " (volumes kept)")):
        anonymous = cleanup.anonymous_volumes(client, settings.project)
        run_compose(c, settings, down_args())
        if volumes:
            delete_project_volumes(client, settings, anonymous)
        elif anonymous:
            say(
                f"    left {len(anonymous)} anonymous volume(s) ({', '.join(sorted(n[:12] for n in anonymous))}): "
                "the next up starts with new empty ones; mount a named volume there to keep the data"
            )


def image_names_elsewhere(settings: StackSettings) -> set[str]:
    """Image names the project's other envs (other Compose projects) give their services: never removed by this env's clean."""
    names = set()
    for env in available_envs(settings.config):
        try:
            other = load_settings(env, settings.config)
            if other.project == settings.project:
                continue
            model = render(other)
        except StackError:
            continue  # an env that cannot render names nothing Compose could build
        for service in model.services.values():
            names.add(":".join(split_reference(service.image or f"{other.project}-{service.name}")))
    return names


def clean(c: Context, settings: StackSettings, client: docker.DockerClient, volumes: bool = False) -> None:
    """Remove the project's containers, networks and the images it built; volumes only when asked.

    Containers, networks and images are selected by Compose's project label, so
    nothing else on the host is touched, and an image another project uses or
    names stays. Compose only warns about what it could not remove (a network
    another container still uses), so what stayed is looked up and is an error.
    """
    with step(f"cleaning {settings.project}" + (" including its volumes (data deleted)" if volumes else " (volumes kept)")):
        anonymous = cleanup.anonymous_volumes(client, settings.project)
        run_compose(c, settings, down_args())
        if volumes:
            delete_project_volumes(client, settings, anonymous)
        images, kept = cleanup.removable_images(client, settings.project, image_names_elsewhere(settings))
        stayed = cleanup.remove_images(client, images) + cleanup.leftovers(client, settings.project, volumes, anonymous)
        for reason in kept:
            say(f"    kept {reason}")
        if stayed:
            raise StackError(
                f"{settings.project} is not clean, still there: {'; '.join(stayed)}; "
                f"remove what holds them, then inv clean --env {settings.cli_env} again"
            )
