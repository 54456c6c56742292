"""Building, starting, stopping and cleaning a stack: the logic behind the tasks."""

from __future__ import annotations

import functools
import sys
import time
from dataclasses import dataclass

from invoke import Context

from stackops import StackError, cleanup, startup
from stackops.baseimages import ensure_base_images
from stackops.compose import ComposeModel, down_args, render, run_compose, up_args
from stackops.console import Echo, say, step
from stackops.engine import (
    container_publishing,
    port_is_free,
    published_address,
    published_by_project,
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
    """Build if needed, start, wait until every service is healthy and every health path answers; else say why."""
    model = render(settings)
    check_startable(settings, model)
    problems = port_problems(client, settings, model)
    if problems:
        raise StackError(problems[0])
    base = ensure_base_images(settings, model, client)
    start = time.monotonic()
    launch = Launch(c, settings, client, base, start + settings.wait_timeout, startup.Heartbeat(client, settings, start))
    with step(f"starting {settings.project} ({settings.env}) and waiting up to {settings.wait_timeout}s for health"):
        while not launch.compose_up(build):
            build = False  # a second pass only finishes what a restart interrupted
            launch.settle()
        launch.health_paths(model)
    return Started(url=service_url(client, settings, model, settings.config.entry), seconds=time.monotonic() - start)


#: How long a failed `compose up --wait` is given to show that a container is restarting.
RESTART_GRACE_SECONDS = 3


@dataclass
class Launch:
    """One `up` in progress: its deadline, and the restart counts it started from."""

    c: Context
    settings: StackSettings
    client: docker.DockerClient
    base: dict[str, str]
    deadline: float
    heartbeat: startup.Heartbeat

    def __post_init__(self):
        self.baseline = startup.restart_counts(self.client, self.settings.project)

    def fail(self, why: str = "", show: list[str] | None = None, compose_error: str = "") -> StackError:
        return StackError(startup.explain_failed_start(self.client, self.settings, compose_error, why, show))

    def crash_looping(self) -> dict[str, int]:
        """Restarts per service since this up began; a crash loop is a failure at once."""
        restarts = startup.restarts_since(self.client, self.settings.project, self.baseline)
        looping = startup.crash_loop(restarts)
        if looping:
            raise self.fail(
                f"{looping} of {self.settings.project} is crash-looping: it restarted {restarts[looping]} times since up began"
            )
        return restarts

    def compose_up(self, build: bool) -> bool:
        """`compose up --wait` within what is left of the deadline; False when a service restarted on the way."""
        remaining = max(1, round(self.deadline - time.monotonic()))
        # Compose's own progress, warnings and errors stream to the user as they
        # come (an asynchronous run would otherwise capture them).
        compose_said = Echo(sys.stderr)
        args = up_args(self.settings, build=build, timeout=remaining)
        waiting = run_compose(
            self.c,
            self.settings,
            args,
            extra_env=self.base,
            warn=True,
            asynchronous=True,
            out_stream=sys.stdout,
            err_stream=compose_said,
        )
        checked = time.monotonic()
        while not waiting.runner.process_is_finished:
            time.sleep(0.02)  # Compose's exit is noticed at once, the engine asked every half second
            if time.monotonic() - checked >= 0.5:
                checked = time.monotonic()
                self.stop_on_crash_loop(waiting)
            self.heartbeat.beat()
        if not waiting.join().failed:
            return True
        # Compose may give up at a container's first exit, before the engine
        # counts its restart: a moment's grace tells a restart from a failure.
        grace = min(time.monotonic() + RESTART_GRACE_SECONDS, self.deadline)
        if not startup.poll(self.crash_looping, grace, interval=0.2) or time.monotonic() >= self.deadline:
            raise self.fail(compose_error=compose_said.last_line())
        return False

    def stop_on_crash_loop(self, waiting) -> None:
        try:
            self.crash_looping()
        except StackError:
            waiting.runner.kill()  # no use waiting for a service that is crashing
            waiting.join()
            raise

    def settle(self) -> None:
        """A service restarted during start-up: wait until every container runs healthy again, or it loops."""

        def settled():
            self.crash_looping()
            self.heartbeat.beat()
            return not startup.unsettled(self.client, self.settings.project)

        if not startup.poll(settled, self.deadline):
            pending = ", ".join(startup.unsettled(self.client, self.settings.project))
            raise self.fail(f"{pending} of {self.settings.project} still not healthy after {self.settings.wait_timeout}s")

    def health_paths(self, model: ComposeModel) -> None:
        """Every HTTP service the contract gives a ready (else health) path answers it: running is not serving."""
        for name in model.active:
            contract = self.settings.config.service(name)
            path = contract.ready or contract.health
            if not (contract.is_http and path and (name == self.settings.config.entry or model.services[name].ports)):
                continue
            last = ""

            def answered(name=name, path=path):
                nonlocal last
                self.crash_looping()
                self.heartbeat.beat(f"waiting for {name} to answer {path} ({last or 'not asked yet'})")
                # Looked up each time: a restarted container may publish an engine-chosen port anew.
                url = service_url(self.client, self.settings, model, name)
                last = startup.answer(url + path) or ""
                return not last

            if not startup.poll(answered, self.deadline):
                raise self.fail(f"{name} did not answer {path} within {self.settings.wait_timeout}s (last: {last})", [name])


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
        names |= {":".join(split_reference(s.image or f"{other.project}-{s.name}")) for s in model.services.values() if s.built}
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
        own = {f"{settings.project}-{name}:latest" for name in render(settings).services}
        elsewhere = functools.cache(lambda: image_names_elsewhere(settings))
        images, kept = cleanup.removable_images(client, settings.project, own, elsewhere)
        stayed = cleanup.remove_images(client, images) + cleanup.leftovers(client, settings.project, volumes, anonymous)
        for reason in kept:
            say(f"    kept {reason}")
        if stayed:
            raise StackError(
                f"{settings.project} is not clean, still there: {'; '.join(stayed)}; "
                f"remove what holds them, then inv clean --env {settings.cli_env} again"
            )
