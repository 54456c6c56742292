"""The stack's settings: `env/<name>.env.docker` (+ a git-ignored local file) -> one frozen value."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from ops import ROOT, StackError
from ops.envfiles import EnvValue, display_path, read_env_files

ENV_SUFFIX = ".env.docker"
LOCAL_SUFFIX = ".local.env.docker"
DEFAULT_ENV = "dev"
PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
KNOWN_PROFILES = {"postgres"}
BASE_IMAGE_MODES = ("auto", "registry", "local")
# Where distributions keep the system CA bundle, for BUILD_CA_BUNDLE=system.
SYSTEM_CA_BUNDLES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Alpine
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL
    "/etc/ssl/cert.pem",  # macOS, OpenBSD
)
# Host variables Compose and the docker CLI need; everything else the stack
# sees comes from the env files, so a stray shell variable cannot change it.
PASSED_THROUGH = ("PATH", "HOME", "USER", "LANG", "LC_ALL", "TMPDIR", "SSH_AUTH_SOCK", "XDG_RUNTIME_DIR")
PASSED_THROUGH_PREFIXES = (
    "DOCKER_",
    "BUILDKIT_",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
)


class SettingsError(StackError):
    pass


def env_dir(root: Path = ROOT) -> Path:
    return root / "env"


def available_envs(root: Path = ROOT) -> list[str]:
    return sorted(p.name[: -len(ENV_SUFFIX)] for p in env_dir(root).glob(f"*{ENV_SUFFIX}") if not p.name.endswith(LOCAL_SUFFIX))


def selected_env(explicit: str | None, environ: Mapping[str, str] = os.environ) -> str:
    """--env, else $STACK_ENV, else dev: the same rule for every task."""
    return explicit or environ.get("STACK_ENV") or DEFAULT_ENV


def env_files(env: str, root: Path = ROOT) -> tuple[str, list[Path]]:
    """The env's name and its files: the committed one, then the local overlay if present.

    `env` is a name from env/, or a path to a file (for one-off stacks and tests).
    """
    as_path = Path(env)
    if env.endswith(ENV_SUFFIX) or os.sep in env:
        if not as_path.is_file():
            raise SettingsError(
                f"env file {env} does not exist; pass a name ({', '.join(available_envs(root))}) or an existing file"
            )
        name = as_path.name.removesuffix(ENV_SUFFIX)
        base = as_path
    else:
        base = env_dir(root) / f"{env}{ENV_SUFFIX}"
        if not base.is_file():
            raise SettingsError(
                f"unknown env {env!r}; available: {', '.join(available_envs(root)) or 'none'} (files env/<name>{ENV_SUFFIX})"
            )
        name = env
    local = base.with_name(f"{name}{LOCAL_SUFFIX}")
    return name, [base, local] if local.is_file() else [base]


@dataclass(frozen=True)
class StackSettings:
    """Everything the tasks need to know about one environment's stack."""

    env: str
    files: tuple[Path, ...]
    values: Mapping[str, EnvValue] = field(repr=False)
    project: str
    compose_files: tuple[Path, ...]
    profiles: tuple[str, ...]
    api_bind: str
    api_port: int
    base_images: str
    python_base_image: str
    postgres_base_image: str
    ca_bundle: Path | None
    debian_mirror: str | None
    image_size_budget_mb: int
    wait_timeout: int
    read_only: bool

    @property
    def uses_postgres(self) -> bool:
        return "postgres" in self.profiles

    @property
    def cli_env(self) -> str:
        """What to pass as --env to reach this environment again (a name, or the file's path)."""
        return self.env if self.files[0].resolve().parent == env_dir() else str(self.files[0])

    @property
    def env_file(self) -> str:
        return display_path(self.files[0])

    def where(self, key: str) -> str:
        """Where a variable is set, for error messages: `env/dev.env.docker:7`, or the file."""
        entry = self.values.get(key)
        return entry.where if entry else self.env_file

    def check_startable(self) -> None:
        """Secrets are needed to start, not to render or lint: checked here, not at load."""
        if self.uses_postgres and not self.value("POSTGRES_PASSWORD"):
            raise SettingsError(
                f"{self.env_file}: POSTGRES_PASSWORD is required with the postgres profile; "
                f"add POSTGRES_PASSWORD=<secret> to env/{self.env}{LOCAL_SUFFIX} (git-ignored)"
            )

    def value(self, key: str, default: str = "") -> str:
        entry = self.values.get(key)
        return entry.value if entry else default


def _integer(values, key, default, low, high, what) -> int:
    entry = values.get(key)
    if entry is None or entry.value == "":
        return default
    try:
        number = int(entry.value)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise SettingsError(f"{entry.where}: {key} must be {what} ({low}-{high}), got {entry.value!r}")
    return number


def _ca_bundle(entry: EnvValue | None, root: Path) -> Path | None:
    if entry is None or entry.value in ("", "none"):
        return None
    if entry.value == "system":
        for candidate in SYSTEM_CA_BUNDLES:
            if Path(candidate).is_file():
                return Path(candidate)
        raise SettingsError(
            f"{entry.where}: BUILD_CA_BUNDLE=system but no system CA bundle was found; name the file, or set BUILD_CA_BUNDLE= (none)"
        )
    path = (root / entry.value).resolve()
    if not path.is_file():
        raise SettingsError(
            f"{entry.where}: BUILD_CA_BUNDLE names {entry.value}, which does not exist; name a PEM bundle, system, or leave it empty"
        )
    return path


def load_settings(env: str | None = None, root: Path = ROOT, environ: Mapping[str, str] = os.environ) -> StackSettings:
    """Read and check an environment's files; every problem is one line naming file, line and fix."""
    name, files = env_files(selected_env(env, environ), root)
    values = read_env_files(files)
    file = display_path(files[0])

    def get(key: str, default: str = "") -> str:
        entry = values.get(key)
        return entry.value if entry is not None and entry.value != "" else default

    # The shell may override the project name, as with Compose itself: CI jobs
    # sharing a host give each run its own.
    project = environ.get("COMPOSE_PROJECT_NAME") or get("COMPOSE_PROJECT_NAME")
    if not project:
        raise SettingsError(
            f"{file}: COMPOSE_PROJECT_NAME is missing; add COMPOSE_PROJECT_NAME=<name> (lowercase letters, digits, - and _)"
        )
    if not PROJECT_NAME.match(project):
        where = "$COMPOSE_PROJECT_NAME" if environ.get("COMPOSE_PROJECT_NAME") else values["COMPOSE_PROJECT_NAME"].where
        raise SettingsError(
            f"{where}: project name {project!r} is not valid; use lowercase letters, digits, - and _, starting with a letter or digit"
        )

    compose_files = []
    for item in get("COMPOSE_FILE", "docker/compose.yaml").split(":"):
        path = (root / item).resolve()
        if not path.is_file():
            raise SettingsError(f"{values['COMPOSE_FILE'].where}: COMPOSE_FILE names {item}, which does not exist")
        compose_files.append(path)

    profiles = tuple(p.strip() for p in get("COMPOSE_PROFILES").split(",") if p.strip())
    unknown = set(profiles) - KNOWN_PROFILES
    if unknown:
        raise SettingsError(
            f"{values['COMPOSE_PROFILES'].where}: unknown profile {', '.join(sorted(unknown))}; known: {', '.join(sorted(KNOWN_PROFILES))}"
        )

    api_bind = get("API_BIND", "127.0.0.1")
    try:
        ipaddress.ip_address(api_bind)
    except ValueError:
        raise SettingsError(
            f"{values['API_BIND'].where}: API_BIND must be an IP address (127.0.0.1 or 0.0.0.0), got {api_bind!r}"
        ) from None

    base_images = get("BASE_IMAGES", "auto")
    if base_images not in BASE_IMAGE_MODES:
        raise SettingsError(
            f"{values['BASE_IMAGES'].where}: BASE_IMAGES must be one of {', '.join(BASE_IMAGE_MODES)}, got {base_images!r}"
        )

    if "postgres" in profiles and not get("APP_DATABASE_URL").startswith("postgresql"):
        where = values["APP_DATABASE_URL"].where if "APP_DATABASE_URL" in values else file
        raise SettingsError(
            f"{where}: with the postgres profile APP_DATABASE_URL must be postgresql+psycopg://<user>@db:5432/<db>"
        )

    read_only = get("READ_ONLY", "true").lower()
    if read_only not in ("true", "false"):
        raise SettingsError(f"{values['READ_ONLY'].where}: READ_ONLY must be true or false, got {read_only!r}")

    return StackSettings(
        env=name,
        files=tuple(files),
        values=MappingProxyType(values),
        project=project,
        compose_files=tuple(compose_files),
        profiles=profiles,
        api_bind=api_bind,
        api_port=_integer(values, "API_PORT", 8000, 0, 65535, "a port number, 0 to let the engine choose"),
        base_images=base_images,
        python_base_image=get("PYTHON_BASE_IMAGE", "python:3.11-slim-bookworm"),
        postgres_base_image=get("POSTGRES_BASE_IMAGE", "postgres:15-bookworm"),
        ca_bundle=_ca_bundle(values.get("BUILD_CA_BUNDLE"), root),
        debian_mirror=get("DEBIAN_MIRROR") or None,
        image_size_budget_mb=_integer(values, "IMAGE_SIZE_BUDGET_MB", 250, 1, 100_000, "a size in MB"),
        wait_timeout=_integer(values, "WAIT_TIMEOUT", 120, 1, 3600, "seconds"),
        read_only=read_only == "true",
    )


def compose_environment(
    settings: StackSettings, extra: Mapping[str, str] | None = None, environ: Mapping[str, str] = os.environ
) -> dict[str, str]:
    """The environment `docker compose` runs with: the env files' values, exactly as read."""
    env = {k: v for k, v in environ.items() if k in PASSED_THROUGH or k.startswith(PASSED_THROUGH_PREFIXES)}
    env.update({key: entry.value for key, entry in settings.values.items()})
    env["COMPOSE_PROJECT_NAME"] = settings.project
    env["BUILD_CA_BUNDLE"] = str(settings.ca_bundle) if settings.ca_bundle else "/dev/null"
    env.pop("COMPOSE_FILE", None)  # passed as -f, resolved against the repository
    env.pop("COMPOSE_PROFILES", None)  # passed as --profile
    env.update(extra or {})
    return env
