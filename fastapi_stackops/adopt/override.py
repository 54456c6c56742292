"""A repository with its own Dockerfile and Compose file keeps them: init writes an override file beside them.

The override holds what stackops needs and the user's files lack: hardening,
healthchecks, the published port on 127.0.0.1 from a variable, the base image
and the proxy's CA where the Dockerfile takes them as an argument and a secret.
Where the Dockerfile itself cannot pass a check, init names the line and the change.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from fastapi_stackops import StackError
from fastapi_stackops.adopt.contract_table import Layout
from fastapi_stackops.adopt.conventions import PORT_VARIABLE, UID
from fastapi_stackops.adopt.image import healthcheck_test
from fastapi_stackops.adopt.repository import MEMORY_LIMIT
from fastapi_stackops.commands import run
from fastapi_stackops.dockerfile import instructions

OVERRIDE_FILE = "compose.stackops.yaml"
#: Official images a local substitute can stand in for: the variable init names them by, and the recipe.
KNOWN_IMAGES = {
    "postgres": ("POSTGRES_BASE_IMAGE", "postgres"),
    "pgvector": ("POSTGRES_BASE_IMAGE", "pgvector"),  # pgvector/pgvector: PostgreSQL with the vector extension
    "postgis": ("POSTGRES_BASE_IMAGE", "postgis"),  # postgis/postgis: PostgreSQL with PostGIS
    "redis": ("REDIS_BASE_IMAGE", "redis"),
}
PYTHON_IMAGE = re.compile(r"^(docker\.io/)?(library/)?python:")


@dataclass
class OwnDockerfile:
    """What the repository's Dockerfile says about the checks smoke runs."""

    path: str
    base_argument: str = ""  # the ARG its last FROM takes the base image from
    base_default: str = ""
    user: str = ""  # its last USER
    healthcheck: bool = False
    secrets: list[str] = field(default_factory=list)  # the secret ids its RUN --mount lines take
    advice: list[str] = field(default_factory=list)  # a line and the change, for each check it cannot pass


def read_dockerfile(root: Path, name: str) -> OwnDockerfile:
    found = OwnDockerfile(name)
    defaults: dict[str, str] = {}
    last_from = 0
    for number, keyword, argument in instructions((root / name).read_text()):
        if keyword == "ARG":
            key, _, value = argument.partition("=")
            defaults[key.strip()] = value.strip().strip('"')
        elif keyword == "FROM":
            image, last_from = argument.split()[0], number
            named = re.fullmatch(r"\$\{?(\w+)\}?", image)
            found.base_argument, found.base_default = (named.group(1), defaults.get(named.group(1), "")) if named else ("", image)
        elif keyword == "USER":
            found.user = argument.split(":")[0].strip()
        elif keyword == "HEALTHCHECK":
            found.healthcheck = not argument.upper().startswith("NONE")
        found.secrets += re.findall(r"--mount=type=secret,id=([\w.-]+)", argument)
    if not found.base_argument:
        found.advice.append(
            f"{name}:{last_from}: the base image is written in FROM; take it as an ARG so a substitute can stand in"
        )
    if not found.user.isdigit() or int(found.user) == 0:
        found.advice.append(f"{name}: no numeric non-root USER; add `USER {UID}` after the last RUN (smoke's non-root check)")
    return found


#: What a repository keeps beside a git-ignored env file for its users to copy.
ENV_EXAMPLES = (".example", ".sample", ".template", ".dist")


def missing_env_files(root: Path, file: str) -> dict[str, str]:
    """The env files the Compose file names that a fresh clone lacks (git ignores them), each with the text of the example
    the repository keeps beside it, or empty: a clone must render without them."""
    compose = root / file
    names, listing = [], False
    for line in compose.read_text().splitlines():
        found = re.match(r"^(\s*)env_file:\s*(\S[^#]*)?", line)
        if found:
            listing = not found.group(2)
            names += [found.group(2).strip().strip("\"'")] if found.group(2) else []
        elif listing and re.match(r"^\s*-\s*", line):
            names.append(re.sub(r"^\s*-\s*(path:\s*)?", "", line).split("#")[0].strip().strip("\"'"))
        elif listing and not re.match(r"^\s*(required|format):", line):
            listing = False
    missing = {}
    for name in dict.fromkeys(n for n in names if n and "$" not in n):
        path = (compose.parent / name).resolve()
        if not path.exists() and path.is_relative_to(root):
            examples = [path.with_name(path.name + suffix) for suffix in ENV_EXAMPLES] + [path.with_name("example" + path.name)]
            example = next((e for e in examples if e.is_file()), None)
            missing[str(path.relative_to(root))] = example.read_text() if example else ""
    return missing


def compose_model(root: Path, file: str) -> dict:
    """The user's Compose file as Compose itself renders it; env files a fresh clone lacks stand in from their examples
    while it renders (and are taken away after: init writes them, and says so)."""
    made = []
    try:
        for name, text in missing_env_files(root, file).items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
            made.append(root / name)
        command = ["docker", "compose", "--file", file, "config", "--format", "json"]
        rendered = run(command, capture=True, cwd=root, what=f"Compose cannot read {file}")
    finally:
        for path in made:
            path.unlink()
    return json.loads(rendered.stdout)


def entry_service(model: dict) -> tuple[str, int] | None:
    """The built service that publishes a port: the app; and the container port it listens on. None for none."""
    for name, body in model.get("services", {}).items():
        if body.get("build") and body.get("ports"):
            return name, int(body["ports"][0]["target"])
    return None


def base_images(model: dict) -> dict[str, tuple[str, str, str]]:
    """Service -> (variable, official image, recipe) for the images a local substitute can stand in for."""
    found = {}
    for name, body in model.get("services", {}).items():
        image = body.get("image", "")
        repository = image.split(":")[0].rsplit("/", 1)[-1]
        if not body.get("build") and repository in KNOWN_IMAGES and ":" in image:
            found[name] = (*KNOWN_IMAGES[repository][:1], image, KNOWN_IMAGES[repository][1])
    return found


def service_override(
    body: dict, entry: bool, port: int, health: str, dockerfile: OwnDockerfile, python_variable: str, memory: str
) -> str:
    text = ""
    build = body.get("build") or {}
    if dockerfile.base_argument and PYTHON_IMAGE.match(dockerfile.base_default):
        text += f"      args:\n        {dockerfile.base_argument}: ${{{python_variable}-{dockerfile.base_default}}}\n"
    given = [s.get("source") if isinstance(s, dict) else s for s in build.get("secrets") or []]
    missing = [s for s in dockerfile.secrets if s not in given]
    if missing:
        text += f"      secrets: {json.dumps(missing)}\n"
    text = "    build:\n" + text if text else ""
    if entry:
        text += f'    ports: !override\n      - "127.0.0.1:${{{PORT_VARIABLE}-{port}}}:{port}"\n'
        if not dockerfile.healthcheck and not body.get("healthcheck"):
            text += (
                f"    healthcheck:\n      test: {healthcheck_test(port, health)}\n      interval: 5s\n      start_period: 30s\n"
            )
    text += "    read_only: true\n    tmpfs: [/tmp]\n    cap_drop: [ALL]\n"
    text += (
        '    security_opt: ["no-new-privileges:true"]\n'
        f"    mem_limit: {memory}\n    pids_limit: 128\n    restart: unless-stopped\n"
    )
    return text


#: Healthchecks for the backing services init knows, where the user's file has none.
POSTGRES_READY = '["CMD-SHELL", "pg_isready -q -h 127.0.0.1 -U \\"$${POSTGRES_USER:-postgres}\\""]'
BACKING_HEALTHCHECKS = {
    "postgres": POSTGRES_READY,
    "pgvector": POSTGRES_READY,
    "postgis": POSTGRES_READY,
    "redis": '["CMD", "redis-cli", "ping"]',
}


def backing_override(body: dict, variable: str, image: str, recipe: str) -> str:
    """A backing service's image through the base-image variable (a substitute may stand in), and its healthcheck."""
    text = f"    image: ${{{variable}-{image}}}\n"
    if not body.get("healthcheck"):
        text += f"    healthcheck:\n      test: {BACKING_HEALTHCHECKS[recipe]}\n      interval: 2s\n      retries: 15\n"
    return text + "    restart: unless-stopped\n"


@dataclass
class Override:
    """What init learned of the user's files, and the override it writes."""

    compose_file: str
    entry: str
    port: int
    host_port: int
    dockerfile: OwnDockerfile
    bases: dict[str, tuple[str, str, str]]  # service -> (variable, image, recipe)
    text: str = ""

    def layout(self, python_variable: str) -> Layout:
        bases = [(python_variable, self.dockerfile.base_default, "python")] if self.takes_python_base else []
        user = int(self.dockerfile.user) if self.dockerfile.user.isdigit() else 0
        files = (self.compose_file, OVERRIDE_FILE)
        return Layout(
            self.entry, self.port, self.host_port, files, (*bases, *self.bases.values()), min_uid=user if 0 < user < UID else None
        )

    @property
    def takes_python_base(self) -> bool:
        return bool(self.dockerfile.base_argument and PYTHON_IMAGE.match(self.dockerfile.base_default))


def plan_override(
    root: Path, compose_file: str, health: str, python_variable: str, memory: str = MEMORY_LIMIT
) -> Override | None:
    """Read the user's Compose file and Dockerfile; the override that makes them pass stackops' checks. None when no
    service of the file both builds an image and publishes a port (the app's `image: app`, built apart): init's own
    stack stands beside it, unless it would take the file's name."""
    model = compose_model(root, compose_file)
    if not (found := entry_service(model)):
        if compose_file == "compose.yaml":
            raise StackError(
                f"{compose_file}: no service both builds an image (build:) and publishes a port (ports:): "
                "give the app's service both, or rename the file for init to write its own stack"
            )
        return None
    entry, port = found
    host_port = int(model["services"][entry]["ports"][0].get("published") or port)
    build = model["services"][entry]["build"]
    dockerfile = read_dockerfile(root, str(Path(build.get("dockerfile", "Dockerfile"))))
    bases = base_images(model)
    blocks = []
    for name, body in model["services"].items():
        if body.get("build"):
            blocks.append(
                f"  {name}:\n" + service_override(body, name == entry, port, health, dockerfile, python_variable, memory)
            )
        elif name in bases:
            blocks.append(f"  {name}:\n" + backing_override(body, *bases[name]))
    depends = [n for n in bases if n in (model["services"][entry].get("depends_on") or {})]
    if depends:
        blocks[0] += "    depends_on:\n" + "".join(f"      {n}:\n        condition: service_healthy\n" for n in depends)
    secrets = [s for s in dockerfile.secrets if s not in (model.get("secrets") or {})]
    text = "services:\n" + "\n".join(blocks)
    if secrets:
        text += "\nsecrets:\n" + "".join(f"  {s}:\n    file: ${{BUILD_CA_BUNDLE-/dev/null}}\n" for s in secrets)
    return Override(compose_file, entry, port, host_port, dockerfile, bases, text)
