"""`docker compose` for a stack: its command lines, running them, and the services as Compose renders the files."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fastapi_stackops import StackError
from fastapi_stackops.commands import Background, run
from fastapi_stackops.compose_program import direct, require_compose_v2
from fastapi_stackops.project import display
from fastapi_stackops.render_cache import rendered
from fastapi_stackops.settings import StackSettings, compose_environment


def compose_command(settings: StackSettings, *args: str) -> list[str]:
    """`docker compose` with the env's project, files and profiles, then `args`."""
    command = ["docker", "compose", "--project-name", settings.project, *dot_env_args(settings)]
    for path in settings.compose_files:
        command += ["--file", str(path)]
    for profile in settings.profiles:
        command += ["--profile", profile]
    return command + list(args)


def dot_env_args(settings: StackSettings) -> list[str]:
    """No `.env` of the project folder reaches the interpolation of files init wrote: there it is the app's own file
    (DATABASE_URL at localhost, for a run on the host), and the env files alone decide. A project of the user's own
    Compose files (init's override beside them) keeps Compose's reading of it, as their plain `docker compose` has."""
    return ["--env-file", os.devnull] if settings.compose_by_init else []


def up_args(settings: StackSettings, build: bool = True, services: Sequence[str] = (), timeout: int | None = None) -> list[str]:
    args = ["up", "--detach", "--wait", "--wait-timeout", str(timeout or settings.wait_timeout), "--remove-orphans"]
    return args + (["--build"] if build else []) + list(services)


def down_args() -> list[str]:
    # Never `--volumes` nor `--rmi`: volumes and images are removed by label,
    # volumes only when asked, and nothing another project uses (fastapi_stackops.cleanup).
    # Every profile's containers: a test-profile one-shot the suite's run started stays after it, as no other does.
    return ["--profile", "*", "down", "--remove-orphans"]


def exec_args(service: str, command: Sequence[str], tty: bool) -> list[str]:
    return ["exec"] + ([] if tty else ["--no-TTY"]) + [service, *command]


def logs_args(services: Sequence[str] = (), follow: bool = False, tail: str | None = None) -> list[str]:
    return ["logs"] + (["--follow"] if follow else []) + (["--tail", tail] if tail else []) + list(services)


def run_compose(
    settings: StackSettings,
    args: Sequence[str],
    extra_env: Mapping[str, str] | None = None,
    capture: bool = False,
    check: bool = True,
) -> subprocess.CompletedProcess:
    """Run compose with exactly the env files' values as its environment; its output streams unless captured."""
    require_compose_v2()
    command = compose_command(settings, *args)
    environment = compose_environment(settings, extra_env)
    return run(direct(command), env=environment, capture=capture, check=check, shown_as=command)


def start_compose(
    settings: StackSettings, args: Sequence[str], extra_env: Mapping[str, str] | None = None, on_line: Callable | None = None
) -> Background:
    """Compose running while the caller watches the engine; its progress and errors stream to the user as they come
    (or, with `on_line`, to that)."""
    require_compose_v2()
    return Background(direct(compose_command(settings, *args)), env=compose_environment(settings, extra_env), on_line=on_line)


# --- The services, as Compose itself renders the files ---


@dataclass(frozen=True)
class PortBinding:
    host_ip: str
    published: int  # 0: the engine chooses
    target: int


@dataclass(frozen=True)
class ServiceModel:
    name: str
    profiles: tuple[str, ...]
    built: bool  # the project builds its image (a `build:` section)
    image: str
    build_args: Mapping[str, str]
    dockerfile: Path | None
    ports: tuple[PortBinding, ...]
    target: str = ""  # the build stage, "" for the Dockerfile's last
    depends_on: Mapping[str, str] = field(default_factory=dict)  # service -> condition (service_healthy, ...)


@dataclass(frozen=True)
class ComposeModel:
    """Every service of every profile, and which of them this env starts."""

    services: Mapping[str, ServiceModel]
    active: tuple[str, ...]
    volumes: tuple[str, ...] = ()  # engine names of the volumes Compose manages (not `external`)

    @property
    def profiles(self) -> list[str]:
        return sorted({p for s in self.services.values() for p in s.profiles})

    def image_of(self, name: str, project: str) -> str:
        """The image name Compose gives a service: its `image:`, else PROJECT-SERVICE (what it builds)."""
        return self.services[name].image or f"{project}-{name}"

    def referenced_images(self, names: Sequence[str]) -> set[str]:
        """Images these services run or build from (build args included, as base images are passed)."""
        images = set()
        for name in names:
            service = self.services[name]
            images |= set(service.build_args.values()) if service.built else {service.image}
        return images


def _service_model(name: str, body: Mapping) -> ServiceModel:
    build = body.get("build") or {}
    ports = []
    for port in body.get("ports") or []:
        published = str(port.get("published") or "0").split("-")[0]
        ports.append(PortBinding(port.get("host_ip") or "0.0.0.0", int(published or 0), int(port["target"])))
    dockerfile = None
    if build:
        dockerfile = Path(build.get("context", ".")) / build.get("dockerfile", "Dockerfile")
    return ServiceModel(
        name=name,
        profiles=tuple(body.get("profiles") or ()),
        built=bool(build),
        image=body.get("image", ""),
        build_args={k: v for k, v in (build.get("args") or {}).items() if v},
        dockerfile=dockerfile,
        ports=tuple(ports),
        target=build.get("target", ""),
        depends_on={
            name: (dep or {}).get("condition", "service_started") for name, dep in (body.get("depends_on") or {}).items()
        },
    )


def parse_model(rendered: Mapping, profiles: Sequence[str]) -> ComposeModel:
    services = {name: _service_model(name, body) for name, body in (rendered.get("services") or {}).items()}
    active = tuple(name for name, s in services.items() if not s.profiles or set(s.profiles) & set(profiles))
    volumes = tuple(
        body.get("name") or key for key, body in (rendered.get("volumes") or {}).items() if not (body or {}).get("external")
    )
    return ComposeModel(services=services, active=active, volumes=volumes)


def _render(command: tuple[str, ...], environment: tuple[tuple[str, str], ...]) -> dict:
    # On failure, Compose's own words: it names the file, the service and the key.
    def compose_config() -> str:
        return run(direct(command), env=dict(environment), capture=True, what="Compose cannot read the stack's files").stdout

    return json.loads(rendered(command, dict(environment), compose_config))


def render(settings: StackSettings, extra_env: Mapping[str, str] | None = None) -> ComposeModel:
    """The stack's services with every profile, via `docker compose config --format json`; checked against the contract."""
    require_compose_v2()
    command = compose_command(settings, "--profile", "*", "config", "--format", "json")
    environment = compose_environment(settings, extra_env, engine=False)
    model = parse_model(_render(tuple(command), tuple(sorted(environment.items()))), settings.profiles)
    check_against_contract(settings, model)
    return model


def config_json(settings: StackSettings, extra_env: Mapping[str, str] | None = None) -> dict:
    """The env's stack as Compose resolves it (its profiles only): `docker compose config --format json`."""
    command = compose_command(settings, "config", "--format", "json")
    return _render(tuple(command), tuple(sorted(compose_environment(settings, extra_env, engine=False).items())))


def check_against_contract(settings: StackSettings, model: ComposeModel) -> None:
    """Every service the contract or the env names must exist in the Compose files."""
    config = settings.config
    known = ", ".join(sorted(model.services))
    files = " + ".join(display(p) for p in settings.compose_files)
    named = [("entry", config.entry)]
    named += [(f"services.{name}", name) for name in config.services]
    if config.persistence:
        named.append(("persistence.service", config.persistence.service))
    if config.migrations:
        named.append(("migrate.service", config.migrations.service))
    if config.service_tests:
        named.append(("service-tests", config.service_tests))
    for key, name in named:
        if name not in model.services:
            raise StackError(f"{config.where(key)}: {name!r} is not a service in {files}; services: {known}")
    unknown = sorted(set(settings.profiles) - set(model.profiles))
    if unknown:
        raise StackError(
            f"{settings.where('COMPOSE_PROFILES')}: unknown profile {', '.join(unknown)}; "
            f"{files} declare{'s' if len(settings.compose_files) == 1 else ''}: {', '.join(model.profiles) or 'none'}"
        )
    if config.entry not in model.active:
        raise StackError(
            f"{config.where('entry')}: {config.entry!r} is not started by {settings.env_file}; "
            f"add its profile ({', '.join(model.services[config.entry].profiles)}) to COMPOSE_PROFILES there"
        )


def require_service(model: ComposeModel, name: str) -> str:
    """`name` if this env starts such a service, else one line listing the ones it starts."""
    if name not in model.active:
        inactive = f" ({name} is only in profile {', '.join(model.services[name].profiles)})" if name in model.services else ""
        raise StackError(f"unknown service {name!r}; this stack's services: {', '.join(model.active)}{inactive}")
    return name
