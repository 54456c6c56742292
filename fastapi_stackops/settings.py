"""An environment's settings: `<env-dir>/<name>.env.docker` (+ a git-ignored local file) -> one frozen value."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from fastapi_stackops import PACKAGE_DIR, StackError
from fastapi_stackops.contract import load_project
from fastapi_stackops.envfiles import EnvValue, read_env_files
from fastapi_stackops.project import WRITTEN_BY_INIT, ProjectConfig, display
from fastapi_stackops.target import LocalTarget, SshTarget, engine_target

ENV_SUFFIX = ".env.docker"
LOCAL_SUFFIX = ".local.env.docker"
DEFAULT_ENV = "dev"
# The reverse proxy of a server deploy, added to an env's files by PROXY_PORT.
PROXY_COMPOSE_FILE = PACKAGE_DIR / "base" / "compose.proxy.yaml"
PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
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


def available_envs(config: ProjectConfig) -> list[str]:
    return sorted(p.name[: -len(ENV_SUFFIX)] for p in config.env_dir.glob(f"*{ENV_SUFFIX}") if not p.name.endswith(LOCAL_SUFFIX))


def selected_env(explicit: str | None, environ: Mapping[str, str] = os.environ) -> str:
    """--env, else $STACK_ENV, else dev: the same rule for every task."""
    return explicit or environ.get("STACK_ENV") or DEFAULT_ENV


def env_files(env: str, config: ProjectConfig) -> tuple[str, list[Path]]:
    """The env's name and its files: the committed one, then the local overlay beside it if present.

    `env` is a name from the project's env folder, or a path to a file (for one-off stacks and tests).
    """
    known = ", ".join(available_envs(config)) or "none"
    if env.endswith(ENV_SUFFIX) or os.sep in env:
        base = Path(env).resolve()
        if not base.is_file():
            raise SettingsError(f"env file {env} does not exist; pass a name ({known}) or an existing file")
    else:
        base = config.env_dir / f"{env}{ENV_SUFFIX}"
        if not base.is_file():
            raise SettingsError(f"unknown env {env!r}; available: {known} (files {display(config.env_dir)}/<name>{ENV_SUFFIX})")
    name = base.name.removesuffix(ENV_SUFFIX)
    local = local_overlay(base)
    return name, [base, local] if local.is_file() else [base]


def local_overlay(base: Path) -> Path:
    """The git-ignored file layered over an env file: beside it, `<name>.local.env.docker`."""
    return base.with_name(f"{base.name.removesuffix(ENV_SUFFIX)}{LOCAL_SUFFIX}")


@dataclass(frozen=True)
class StackSettings:
    """Everything the tasks need to know about one environment's stack."""

    config: ProjectConfig = field(repr=False)
    env: str
    files: tuple[Path, ...]
    values: Mapping[str, EnvValue] = field(repr=False)
    project: str
    compose_files: tuple[Path, ...]
    #: init wrote the first Compose file: no `.env` of the project folder reaches its interpolation (see compose.py)
    compose_by_init: bool
    profiles: tuple[str, ...]
    base_images: str
    ca_bundle: Path | None
    debian_mirror: str | None
    wait_timeout: int
    target: LocalTarget | SshTarget  # the engine: a server an ssh DOCKER_HOST names, else this machine's

    @property
    def cli_env(self) -> str:
        """What to pass as --env to reach this environment again (a name, or the file's path)."""
        return self.env if self.files[0].parent == self.config.env_dir.resolve() else display(self.files[0])

    @property
    def env_file(self) -> str:
        return display(self.files[0])

    @property
    def local_file(self) -> str:
        """Where secrets for this env go: the overlay beside the file actually read."""
        return display(local_overlay(self.files[0]))

    def where(self, key: str) -> str:
        """Where a variable is set, for error messages: `envs/local.env.docker:7`, or the file."""
        entry = self.values.get(key)
        return entry.where if entry else self.env_file

    @property
    def behind_proxy(self) -> bool:
        """The env deploys to one server behind the proxy (PROXY_PORT): releases, not builds, change what it serves."""
        return bool(self.value("PROXY_PORT"))

    def value(self, key: str, default: str = "") -> str:
        entry = self.values.get(key)
        return entry.value if entry and entry.value != "" else default

    def keys_with_value(self, value: str) -> list[str]:
        """The variables set to `value`: which one to change, when a port number is taken."""
        return [key for key, entry in self.values.items() if entry.value == value]


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


def extra_system_cas() -> int:
    """How many CAs the system trusts that pip's own bundle (certifi) does not: a proxy's, typically."""
    import certifi

    system = Path("/etc/ssl/certs/ca-certificates.crt")
    if not system.is_file():
        return 0
    blocks = lambda text: set(re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", text, re.S))  # noqa: E731
    return len(blocks(system.read_text(errors="replace")) - blocks(Path(certifi.where()).read_text()))


def system_ca_bundle() -> Path | None:
    """This machine's CA bundle (a TLS-intercepting proxy's roots are there), or None."""
    return next((Path(path) for path in SYSTEM_CA_BUNDLES if Path(path).is_file()), None)


def _ca_bundle(entry: EnvValue | None, root: Path) -> Path | None:
    if entry is None or entry.value in ("", "none"):
        return None
    if entry.value == "system":
        if found := system_ca_bundle():
            return found
        raise SettingsError(
            f"{entry.where}: BUILD_CA_BUNDLE=system but no system CA bundle was found; name the file, or set BUILD_CA_BUNDLE= (none)"
        )
    path = (root / entry.value).resolve()
    if not path.is_file():
        raise SettingsError(
            f"{entry.where}: BUILD_CA_BUNDLE names {entry.value}, which does not exist; name a PEM bundle, system, or leave it empty"
        )
    return path


def _project_name(values: Mapping[str, EnvValue], file: str, environ: Mapping[str, str]) -> str:
    # The shell may override the project name, as with Compose itself: CI jobs
    # sharing a host give each run its own.
    entry = values.get("COMPOSE_PROJECT_NAME")
    project = environ.get("COMPOSE_PROJECT_NAME") or (entry.value if entry else "")
    if not project:
        raise SettingsError(
            f"{file}: COMPOSE_PROJECT_NAME is missing; add COMPOSE_PROJECT_NAME=<name> (lowercase letters, digits, - and _)"
        )
    if not PROJECT_NAME.match(project):
        where = "$COMPOSE_PROJECT_NAME" if environ.get("COMPOSE_PROJECT_NAME") else entry.where
        raise SettingsError(
            f"{where}: project name {project!r} is not valid; use lowercase letters, digits, - and _, starting with a letter or digit"
        )
    return project


def _compose_files(values: Mapping[str, EnvValue], config: ProjectConfig) -> tuple[Path, ...]:
    entry = values.get("COMPOSE_FILE")
    names = entry.value.split(":") if entry and entry.value else list(config.compose_files)
    files = []
    for name in names:
        path = (config.root / name).resolve()
        if not path.is_file():
            where = entry.where + ": COMPOSE_FILE" if entry and entry.value else config.where("compose-files")
            raise SettingsError(f"{where} names {name}, which does not exist (paths are relative to {display(config.root)})")
        files.append(path)
    if values.get("PROXY_PORT") and values["PROXY_PORT"].value:
        files.append(PROXY_COMPOSE_FILE)
    return tuple(files)


def _choice(values: Mapping[str, EnvValue], key: str, choices: tuple[str, ...]) -> str:
    entry = values.get(key)
    value = entry.value if entry and entry.value else choices[0]
    if value not in choices:
        raise SettingsError(f"{entry.where}: {key} must be one of {', '.join(choices)}, got {value!r}")
    return value


def load_settings(
    env: str | None = None, config: ProjectConfig | None = None, environ: Mapping[str, str] = os.environ
) -> StackSettings:
    """Read and check an environment's files; every problem is one line naming file, line and fix."""
    config = config or load_project()
    name, files = env_files(selected_env(env, environ), config)
    values = read_env_files(files)
    profiles = values.get("COMPOSE_PROFILES")
    return StackSettings(
        config=config,
        env=name,
        files=tuple(files),
        values=MappingProxyType(values),
        project=_project_name(values, display(files[0]), environ),
        compose_files=(compose_files := _compose_files(values, config)),
        compose_by_init=bool(compose_files) and compose_files[0].read_text().startswith(WRITTEN_BY_INIT),
        profiles=tuple(p.strip() for p in (profiles.value if profiles else "").split(",") if p.strip()),
        base_images=_choice(values, "BASE_IMAGES", BASE_IMAGE_MODES),
        ca_bundle=_ca_bundle(values.get("BUILD_CA_BUNDLE"), config.root),
        debian_mirror=(values["DEBIAN_MIRROR"].value if "DEBIAN_MIRROR" in values else "") or None,
        wait_timeout=_integer(values, "WAIT_TIMEOUT", 120, 1, 3600, "seconds"),
        target=engine_target(values, config.root),
    )


def compose_environment(
    settings: StackSettings, extra: Mapping[str, str] | None = None, environ: Mapping[str, str] = os.environ, engine: bool = True
) -> dict[str, str]:
    """The environment `docker compose` runs with: the env files' values, exactly as read.

    A server's ssh DOCKER_HOST becomes the tunnel to it, opened here once;
    without `engine` (rendering the files needs none) no tunnel is opened.
    """
    env = {k: v for k, v in environ.items() if k in PASSED_THROUGH or k.startswith(PASSED_THROUGH_PREFIXES)}
    env.update({key: entry.value for key, entry in settings.values.items()})
    env["COMPOSE_PROJECT_NAME"] = settings.project
    env["BUILD_CA_BUNDLE"] = str(settings.ca_bundle) if settings.ca_bundle else "/dev/null"
    env.pop("COMPOSE_FILE", None)  # passed as -f, resolved against the repository
    env.pop("COMPOSE_PROFILES", None)  # passed as --profile
    env = settings.target.with_engine(env, engine)
    env.update(extra or {})
    return env


REQUIRED_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?\?")


def unset_required(settings: StackSettings, environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Variables the Compose files demand (`${VAR?...}`) that this env leaves unset, each with a placeholder: a prod
    env keeps its secrets in a git-ignored overlay no CI checkout has, and linting its files needs none of them."""
    demanded = {name for path in settings.compose_files for name in REQUIRED_VARIABLE.findall(path.read_text())}
    return {name: "lint-placeholder" for name in sorted(demanded) if name not in settings.values and name not in environ}
