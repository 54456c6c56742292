"""`stackops init`: read the repository, write a setup in a scratch copy, build it, read the app's real routes, then write.

Everything is first written to a scratch copy of the repository and built
there, so a failure leaves the repository as it was, and --dry-run can show
exactly what would change.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

from stackops import StackError
from stackops.adopt.contract_table import contract_text
from stackops.adopt.conventions import ENTRY, ENV_DIR, ENV_DIR_IF_IGNORED
from stackops.adopt.image import dockerfile_text, dockerignore_text
from stackops.adopt.reading import Finding, NotAFastAPIRepository, Repository, read_repository
from stackops.adopt.routes import Routes, ask_image, choose_routes
from stackops.adopt.source import App
from stackops.adopt.stackfiles import compose_text, env_texts, example_text
from stackops.adopt.writing import Change, apply, diff, gitignore_change, kept_values, planned, pyproject_change
from stackops.console import say, step
from stackops.repository import ignored_by_git

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


def overridden(repo: Repository, options: Options) -> Repository:
    """The findings, with what the flags say instead; a flag's finding says so."""
    if options.app:
        module, _, attribute = options.app.partition(":")
        factory = attribute.endswith("()")
        app = App(module, attribute.removesuffix("()") or "app", factory, "--app", repo.app.source_root)
        repo = replace(repo, app=app)
        repo.findings.append(Finding("app", app.reference, "--app"))
    if options.python:
        repo = replace(repo, python=options.python)
        repo.findings.append(Finding("python", options.python, "--python"))
    if options.database:
        repo = replace(repo, database="" if options.database == "none" else options.database)
        repo.findings.append(Finding("database", options.database, "--database"))
    return repo


def env_dir_for(root: Path) -> str:
    """env/, unless the repository's .gitignore ignores it (as GitHub's Python template does)."""
    return ENV_DIR_IF_IGNORED if ignored_by_git([root / ENV_DIR / "ci.env.docker"], root) else ENV_DIR


def setup_files(repo: Repository, routes: Routes, env_dir: str, system_ca: bool) -> dict[str, str]:
    """Every file the setup needs, by path; pyproject.toml and .gitignore are changed apart."""
    kept = {p: kept_values(repo.root, [p]) for p in (f"{env_dir}/ci.env.docker", f"{env_dir}/dev.local.env.docker")}
    files = {
        "Dockerfile": dockerfile_text(repo, routes.probe_path, data_dir=repo.database == "sqlite"),
        ".dockerignore": dockerignore_text(env_dir),
        "compose.yaml": compose_text(repo),
        ".env.docker.example": example_text(repo),
        "tasks.py": "from stackops.tasks import collection\n\nns = collection()\n",
    }
    return files | env_texts(repo, env_dir, system_ca, kept)


def changes_for(repo: Repository, routes: Routes, env_dir: str, system_ca: bool, force: bool) -> list[Change]:
    changes = planned(repo.root, setup_files(repo, routes, env_dir, system_ca), force)
    return changes + [pyproject_change(repo.root, contract_text(repo, routes, env_dir), force), gitignore_change(repo.root)]


def routes_of_built_image(repo: Repository, env_dir: str, system_ca: bool) -> Routes:
    """Write a first setup into a scratch copy, build its image, and ask the app for its routes."""
    from stackops import lifecycle
    from stackops.baseimages import ensure_base_images
    from stackops.contract import load_project
    from stackops.settings import load_settings
    from stackops.stack import Stack

    with tempfile.TemporaryDirectory(prefix="stackops-init-") as scratch:
        copy = Path(scratch) / repo.root.name
        shutil.copytree(repo.root, copy, ignore=NOT_COPIED)
        draft = replace(repo, root=copy)
        apply(copy, changes_for(draft, Routes(), env_dir, system_ca, force=True))
        project = f"{repo.name}-init-{uuid.uuid4().hex[:6]}"
        stack = Stack(load_settings("ci", load_project(copy), environ={"COMPOSE_PROJECT_NAME": project}))
        try:
            base = ensure_base_images(stack.settings, stack.model, stack.client)
            with step(f"building {ENTRY}'s image to read the app's routes from it"):
                stack.compose(["build", ENTRY], extra_env=base)
            return choose_routes(ask_image(stack, ENTRY, repo.app))
        finally:
            lifecycle.clean(stack, volumes=True)


def init(root: Path, options: Options) -> list[Change]:
    """Adopt the repository at `root`: what changed (or, with dry_run, would change)."""
    from stackops.doctor import extra_system_cas

    try:
        repo = overridden(read_repository(root.resolve()), options)
    except NotAFastAPIRepository as error:
        raise StackError(str(error)) from None
    say(f"stackops init {repo.root}: found")
    for finding in repo.findings:
        say(finding.line())
    env_dir, system_ca = env_dir_for(repo.root), extra_system_cas() > 0
    routes = routes_of_built_image(repo, env_dir, system_ca)
    if options.health:
        routes.health, routes.ready = options.health, ""
        routes.remarks.append(f"health {options.health} from --health")
    for path, label in ((routes.health, "health"), (routes.ready, "ready"), (routes.metrics, "metrics"), (routes.docs, "docs")):
        if path:
            say(f"  {label:<12} {path} (from the app's routes)")
    if routes.persistence:
        write, read = routes.persistence["write"], routes.persistence["read"]
        say(f"  persistence  POST {write['path']}, then GET {read['path']} (from the app's OpenAPI document)")
    for remark in routes.remarks:
        say(f"  note         {remark}")
    changes = changes_for(repo, routes, env_dir, system_ca, options.force)
    if options.dry_run:
        for change in changes:
            if change.writes:
                say(diff(repo.root, change))
        return changes
    apply(repo.root, changes)
    return changes
