"""`fastapi-stackops init`: read the repository, write a setup in a scratch copy, build it, read the app's real routes, then write.

Everything is first written to a scratch copy of the repository and built
there, so a failure leaves the repository as it was, and --dry-run can show
exactly what would change.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

from fastapi_stackops import StackError
from fastapi_stackops.adopt.apps import App
from fastapi_stackops.adopt.build_context import dockerignore_name, dockerignore_text
from fastapi_stackops.adopt.contract_table import Layout, contract_text, size_budget, written_layout
from fastapi_stackops.adopt.conventions import (
    ENV_DIR,
    ENV_DIR_IF_IGNORED,
    HEADER,
    INVOKE,
    OWN_TASKS_RUNNER,
    task_runner,
)
from fastapi_stackops.adopt.findings import Finding, NotAFastAPIRepository
from fastapi_stackops.adopt.first_start import (
    compiler_taught,
    keys_its_settings_name,
    learned,
    metadata_taught,
    taught_by_startup,
)
from fastapi_stackops.adopt.image import dockerfile_text
from fastapi_stackops.adopt.interpreter import too_new_for_its_pins
from fastapi_stackops.adopt.key_files import KEYS_SERVICE
from fastapi_stackops.adopt.older_python import NOT_IMPORTING, python_taught
from fastapi_stackops.adopt.override import OVERRIDE_FILE, Override, missing_env_files, plan_override
from fastapi_stackops.adopt.pipeline import pipeline_files
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.repository import Repository
from fastapi_stackops.adopt.routes import ImportFailed, Routes, ask_image, choose_routes
from fastapi_stackops.adopt.source import python_files
from fastapi_stackops.adopt.stackfiles import compose_text, env_texts, example_text
from fastapi_stackops.adopt.syntax import needs_three_ten
from fastapi_stackops.adopt.workspace import scratch_copy
from fastapi_stackops.adopt.writing import Change, apply, diff, gitignore_change, kept_values, planned, pyproject_change
from fastapi_stackops.building import build_images
from fastapi_stackops.console import say, step
from fastapi_stackops.contract import IMAGE_SIZE_BUDGET_MB
from fastapi_stackops.repository import ignored_by_git

#: Never copied into the scratch build: history, environments, caches.
NOT_COPIED = shutil.ignore_patterns(".git", ".venv", "venv", "node_modules", "__pycache__", "*.pyc", ".mypy_cache", ".ruff_cache")


@dataclass(frozen=True)
class Options:
    dry_run: bool = False
    force: bool = False
    app: str = ""  # module:attribute, or module:function() for a factory
    health: str = ""
    python: str = ""
    database: str = ""  # postgres, sqlite or none
    values: dict[str, str] = field(default_factory=dict)  # --set NAME=VALUE: variables the code does not reveal


def overridden(repo: Repository, options: Options) -> Repository:
    """The findings, with what the flags say instead; a flag's finding says so."""
    if options.app:
        module, _, attribute = options.app.partition(":")
        factory = attribute.endswith("()")
        app = App(module, attribute.removesuffix("()") or "app", factory, "--app", repo.app.source_root)
        repo = replace(repo, app=app)
        repo.findings.append(Finding("app", app.reference, "--app"))
    for name in options.values:
        repo.findings.append(Finding("variable", name, "--set"))
    repo = replace(repo, given={**repo.given, **options.values}) if options.values else repo
    if options.database:
        repo = replace(repo, database="" if options.database == "none" else options.database)
        repo.findings.append(Finding("database", options.database, "--database"))
    return repo


def env_dir_for(root: Path) -> str:
    """env/, unless the repository's .gitignore ignores it (as GitHub's Python template does)."""
    return ENV_DIR_IF_IGNORED if ignored_by_git([root / ENV_DIR / "ci.env.docker"], root) else ENV_DIR


OWN_IMAGE_FILE = "stackops.Dockerfile"
TASKS = "from fastapi_stackops.tasks import collection\n\nns = collection()\n"


@dataclass(frozen=True)
class Setup:
    """What init writes for one repository: its own Docker files, or an override beside the user's."""

    repo: Repository
    env_dir: str
    system_ca: bool
    override: Override | None = None
    dockerfile: str = "Dockerfile"  # the name init writes its own under (not the user's Dockerfile)

    @property
    def layout(self) -> Layout:
        return self.override.layout("PYTHON_BASE_IMAGE") if self.override else written_layout(self.repo)

    def files(self, routes: Routes) -> dict[str, str]:
        """Every file of the setup, by path; pyproject.toml and .gitignore are changed apart."""
        repo, env_dir = self.repo, self.env_dir
        kept = {p: kept_values(repo.root, [p]) for p in (f"{env_dir}/ci.env.docker", f"{env_dir}/dev.local.env.docker")}
        files = {".env.docker.example": example_text(repo)}
        files |= {"tasks.py": TASKS} if task_runner(repo.root) == INVOKE else {}  # never the app's own tasks.py
        if self.override:
            override = plan_override(repo.root, self.override.compose_file, routes.probe_path, "PYTHON_BASE_IMAGE", repo.memory)
            files[OVERRIDE_FILE] = HEADER + override.text
            files |= missing_env_files(repo.root, self.override.compose_file)  # git-ignored: a clone lacks them
        else:
            files[self.dockerfile] = dockerfile_text(repo, routes.probe_path, data_dir=repo.keeps_data)
            files[dockerignore_name(repo, self.dockerfile)] = dockerignore_text(repo, env_dir)
            files["compose.yaml"] = compose_text(repo, self.dockerfile)
        files |= pipeline_files(repo.root, repo.name)
        return files | env_texts(repo, env_dir, self.system_ca, kept, self.layout.host_port)

    def changes(self, routes: Routes, force: bool) -> list[Change]:
        contract = contract_text(self.repo, routes, self.env_dir, self.layout)
        changes = planned(self.repo.root, self.files(routes), force)
        return changes + [pyproject_change(self.repo.root, contract, force), gitignore_change(self.repo.root)]


def setup_for(repo: Repository, system_ca: bool) -> Setup:
    """Init's own files, or, when the repository has a Dockerfile and a Compose file, an override beside them."""
    if task_runner(repo.root) != INVOKE:
        kept = "tasks/" if (repo.root / "tasks").is_dir() else "tasks.py"
        repo.findings.append(
            Finding("tasks", f"{kept} is the app's own, kept: run the workflow as `{OWN_TASKS_RUNNER} <task>`", kept)
        )
    own = [f for f in repo.docker_files if not (repo.root / f).read_text().startswith(HEADER)]  # not init's own
    compose_file = next((f for f in own if f != "Dockerfile"), "")
    override = plan_override(repo.root, compose_file, "/", "PYTHON_BASE_IMAGE") if "Dockerfile" in own and compose_file else None
    if override:
        for name, text in missing_env_files(repo.root, compose_file).items():
            source = "its example beside it" if text else "nothing: no example beside it, so empty"
            repo.findings.append(
                Finding("env file", f"{name}, which {compose_file} names and this checkout lacks: from {source}", compose_file)
            )
        repo.findings.append(
            Finding("own files", f"Dockerfile and {compose_file}, kept; {OVERRIDE_FILE} beside them", compose_file)
        )
        for advice in override.dockerfile.advice:
            repo.findings.append(Finding("to change", advice, "the checks smoke runs"))
    elif "Dockerfile" in own:
        # No Compose file (or no service of it that builds an image and publishes a port) says the app's port and command.
        kept = f"Dockerfile and {compose_file} (no service builds an image to publish)" if compose_file else "Dockerfile"
        repo.findings.append(Finding("own files", f"{kept} kept; init's image is {OWN_IMAGE_FILE}", compose_file or "Dockerfile"))
        return Setup(repo, env_dir_for(repo.root), system_ca, None, OWN_IMAGE_FILE)
    return Setup(repo, env_dir_for(repo.root), system_ca, override)


def routes_of_built_image(setup: Setup) -> tuple[Routes, Setup]:
    """Write a first setup into a scratch copy, build its image, and ask the app for its routes. An app that reaches its
    database at import is asked again with the stack's services up; one that writes under its code at import or as it
    starts gets that path writable (the root filesystem is read-only), and says so. The setup, with what that taught."""
    from fastapi_stackops import lifecycle
    from fastapi_stackops.contract import load_project
    from fastapi_stackops.settings import load_settings
    from fastapi_stackops.stack import Stack

    with tempfile.TemporaryDirectory(prefix="stackops-init-") as scratch:
        copy = scratch_copy(setup.repo.root, Path(scratch), NOT_COPIED)
        project = f"{setup.repo.name}-init-{uuid.uuid4().hex[:6]}"
        with_deps, last = False, None
        for _ in range(20):  # each retry learns one thing (variables, a path); a twentieth failure is the app's own
            draft = replace(setup, repo=replace(setup.repo, root=copy))
            apply(copy, draft.changes(Routes(), force=True))
            stack = Stack(load_settings("ci", load_project(copy), environ={"COMPOSE_PROJECT_NAME": project}))
            base = base_images(stack, setup.repo)  # before anything is made to clean
            try:
                if compiling := trial_build(stack, setup, base):
                    setup = compiling
                    continue
                made_keys(stack, setup.repo, base)
                asked = ask_image(stack, setup.layout.entry, setup.repo, base, with_deps)
                taught = taught_by_startup(setup, asked, made_up(copy, setup))
                if not taught:
                    routes = replace(choose_routes(asked), image_mb=image_megabytes(stack, setup.layout.entry))
                    return routes, keys_its_settings_name(setup, asked)
                setup = taught
            except ImportFailed as failed:
                last = failed
                setup, with_deps = learned(setup, failed, with_deps, made_up(copy, setup))
            finally:
                lifecycle.clean(stack, volumes=True, label=f"removing the trial's image and containers ({project})", quiet=True)
        raise last


def trial_build(stack, setup: Setup, base: dict[str, str]) -> Setup | None:
    """The trial's image, or what its failure taught (a dependency of a dependency to compile, an older Python for a
    framework that does not import on this one); a pin that does not compile for a Python newer than the pins is
    refused as that."""
    try:
        with step(f"building {setup.layout.entry}'s image to read the app's routes from it"):
            build_images(stack, [setup.layout.entry], base)
    except StackError as error:
        taught_by = (compiler_taught, python_taught, metadata_taught)
        if lesson := next(filter(None, (learn(setup, str(error)) for learn in taught_by)), None):
            return lesson
        repo = setup.repo
        refusal = too_new_for_its_pins(str(error), repo.root, repo.installer, repo.requirements, repo.python, repo.compiled)
        refusal = refusal or framework_refused(repo, str(error))
        if not refusal:
            raise
        raise StackError(refusal) from None
    return None


def framework_refused(repo: Repository, failure: str) -> str:
    """A framework that does not import on the image's Python, and no older one the project allows here (3.10 has no
    Debian base image; `X | Y` annotations and match rule 3.9 out), said with the ways out; "" for any other failure."""
    failed = NOT_IMPORTING.search(failure)
    if not failed:
        return ""
    unions = needs_three_ten(python_files(repo.root)).removeprefix(f"{repo.root}/")
    needs = f", and the code needs 3.10 on (`X | Y` annotations or match: {unions})" if unions else ""
    return (
        f"FastAPI {failed[1]}, as pinned, does not import on Python {failed[2]} ({failed[3]}){needs}: no older Python the "
        "project allows has a base image here; give init --python 3.10 where that image can be pulled, or pin a FastAPI "
        f"and pydantic that support {failed[2]}"
    )


def made_keys(stack, repo: Repository, base: dict[str, str]) -> None:
    """The key pair the stack's one-shot makes, for the trial's app: its `run --no-deps` would not start the one-shot."""
    if repo.keys:
        stack.compose(["run", "--rm", "-T", KEYS_SERVICE], extra_env=base, capture=True)


def image_megabytes(stack, service: str) -> int:
    """The size of the service's built image, in MB."""
    return round(stack.reader.images.get(stack.model.image_of(service, stack.project)).attrs["Size"] / 1e6)


def made_up(copy: Path, setup: Setup) -> dict[str, str]:
    """The values the try's ci env file gave the app (the secrets it made up among them)."""
    return kept_values(copy, [f"{setup.env_dir}/ci.env.docker"])


def base_images(stack, repo: Repository) -> dict[str, str]:
    """The trial's base images; a Python no image can be had for is refused naming the flag that picks another."""

    try:
        return stack.base_images
    except StackError as error:
        if f"python:{repo.python}" not in str(error):
            raise
        raise StackError(f"{error}; for init, that is --python with one of those versions") from None


def report(routes: Routes) -> None:
    for path, label in ((routes.health, "health"), (routes.ready, "ready"), (routes.metrics, "metrics"), (routes.docs, "docs")):
        if path:
            say(f"  {label:<12} {path} (from the app's routes)")
    if routes.persistence:
        write, read = routes.persistence["write"], routes.persistence["read"]
        say(f"  persistence  POST {write['path']}, then GET {read['path']} (from the app's OpenAPI document)")
    if size_budget(routes.image_mb):
        said = f"its first image is {routes.image_mb} MB: the default {IMAGE_SIZE_BUDGET_MB} MB leaves under a quarter to grow"
        say(f"  image size   budget {size_budget(routes.image_mb)} MB ({said})")
    for remark in routes.remarks:
        say(f"  note         {remark}")


def init(root: Path, options: Options) -> list[Change]:
    """Adopt the repository at `root`: what changed (or, with dry_run, would change)."""
    from fastapi_stackops.settings import extra_system_cas

    try:
        repo = overridden(read_repository(root.resolve(), options.python), options)
    except NotAFastAPIRepository as error:
        raise StackError(str(error)) from None
    setup = setup_for(repo, extra_system_cas() > 0)
    say(f"fastapi-stackops init {repo.root}: found")
    for finding in repo.findings:
        say(finding.line())
    routes, setup = routes_of_built_image(setup)
    if options.health:
        routes.health, routes.ready = options.health, ""
        routes.remarks.append(f"health {options.health} from --health")
    report(routes)
    changes = setup.changes(routes, options.force)
    if options.dry_run:
        for change in changes:
            if change.writes:
                say(diff(repo.root, change))
        return changes
    apply(repo.root, changes)
    return changes
