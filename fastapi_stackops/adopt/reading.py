"""What a repository says about itself, read without running anything: each finding with the file it came from."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from fastapi_stackops.adopt.app_choice import the_app
from fastapi_stackops.adopt.app_mode import https_redirects
from fastapi_stackops.adopt.app_settings import Settings
from fastapi_stackops.adopt.apps import App, as_its_package, on_pytest_path, runs_from_its_folder
from fastapi_stackops.adopt.backing_reading import backing_services
from fastapi_stackops.adopt.conventions import CONTAINER_PORT
from fastapi_stackops.adopt.data_folders import written_folders
from fastapi_stackops.adopt.default_groups import runtime_groups
from fastapi_stackops.adopt.dependency_files import installer, pyproject, requirement_name, unreached_lock_index
from fastapi_stackops.adopt.dotenv_reads import dotenv_files
from fastapi_stackops.adopt.findings import Finding, NotAFastAPIRepository
from fastapi_stackops.adopt.installer_version import installer_version
from fastapi_stackops.adopt.interpreter import below_a_ceiling, python_and_builds, python_version
from fastapi_stackops.adopt.local_paths import refuse_folders_outside
from fastapi_stackops.adopt.locks import locked_version
from fastapi_stackops.adopt.migrations_target import migrations_of
from fastapi_stackops.adopt.opened_files import beside_fields
from fastapi_stackops.adopt.repository import Repository
from fastapi_stackops.adopt.runtime_libraries import runtime_libraries
from fastapi_stackops.adopt.secret_formats import formatted_secrets, numeric_secrets
from fastapi_stackops.adopt.settings_reading import find_settings
from fastapi_stackops.adopt.source import imports_itself, made_engines, never_imported, own_distribution, python_files
from fastapi_stackops.adopt.start import prestart_fields, procfile_command
from fastapi_stackops.adopt.suite_values import committed_blanks, committed_numbers, committed_paths
from fastapi_stackops.adopt.testing import ServiceTests, find_service_tests
from fastapi_stackops.adopt.unheld_imports import refuse_imports_outside, refuse_missing_submodules, refuse_unheld_imports
from fastapi_stackops.adopt.unlocked import unlocked_fields
from fastapi_stackops.adopt.wheels import H11_WORKER, text_of, uvicorn_needing_uvloop
from fastapi_stackops.adopt.workers import find_worker, worker_fields, worker_findings
from fastapi_stackops.adopt.workspace import workspace_of
from fastapi_stackops.adopt.written_login import rewritten_scheme

DOCKER_FILES = ("Dockerfile", "compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")


def project_fields(root: Path, project: dict, dependencies: tuple[str, ...], how: str) -> dict:
    """What the project's own files say: its name and dependencies, Python range, FastAPI's extras, its uv workspace,
    the index its lock was made against when that does not answer here, its own Docker files, the shared libraries
    its drivers load."""
    return {
        "name": project_name(root, project),
        "dependencies": dependencies,
        "requires_python": project.get("project", {}).get("requires-python", ""),
        "extras": framework_extras(project, dependencies),
        "groups": runtime_groups(project, how, dependencies),
        "workspace": workspace_of(root, project) if how == "uv" else None,
        "unreached_index": unreached_lock_index(root / f"{how}.lock") if how in ("uv", "poetry") else "",
        "package": imports_itself(root),
        "own_distribution": own_distribution(root, project),
        "docker_files": tuple(name for name in DOCKER_FILES if (root / name).is_file()),
        "libraries": runtime_libraries(root, dependencies),
        "installer_version": installer_version(root, project, how),
        "rewritten_scheme": rewritten_scheme(root),
        "rewrites_sqlite": bool(rewritten_scheme(root, sqlite=True)),
        "never_imported": never_imported(root, dependencies),
    }


def settings_fields(root: Path, settings: Settings | None, kept: tuple[str, ...]) -> tuple[dict, list[Finding]]:
    """What the settings and the code that uses them say: the settings, an async engine, scratch folders to mount;
    with what init says of them (an HTTPS redirect turned off, a scratch folder)."""
    written = written_folders(root, settings, kept)
    said = [Finding("settings", settings.summary, settings.source)] if settings else []
    said += [
        Finding("plain HTTP", f"{v}=false: TLS ends in front of the stack", settings.source) for v in https_redirects(settings)
    ]
    said += [Finding("writable", f"{path}, a tmpfs: {why}", where) for path, (why, where) in written.items()]
    engines = made_engines(root, settings.database.name if settings and settings.database else "")
    fields = {"settings": settings, "async_engine": engines[0], "both_engines": all(engines)}
    fields["writable"] = tuple(written)
    fields |= {"committed_blanks": committed_blanks(root, settings), "committed_numbers": committed_numbers(root, settings)}
    fields["committed_paths"] = tuple(committed_paths(root).items())  # read here: init's trial runs in a copy git lacks
    fields["formatted"] = formatted_secrets(root) + numeric_secrets(settings)
    fields["dotenv_files"], where = dotenv_files(root)
    written = "read with dotenv_values, not the environment: the entrypoint writes it from the environment"
    return fields, said + ([Finding("env file", f"{', '.join(fields['dotenv_files'])}, {written}", where)] if where else [])


def service_tests(root: Path, project: dict, how: str, app: App) -> tuple[ServiceTests | None, list[Finding]]:
    """The repository's tests for a test image, and the finding: where their dependencies are, or why there is none."""
    tests, reason = find_service_tests(root, project, how, "" if app.top_level.endswith(".py") else app.top_level)
    if tests:
        return tests, [Finding("tests", tests.summary, tests.source)]
    return None, [Finding("tests", reason, "the test files")] if reason else []


def bundles_uvicorn(root: Path, requirements: str) -> bool:
    """Whether the app depends on fastapi[standard] (or [all]), which brings uvicorn."""
    texts = [root / "pyproject.toml", root / requirements] if requirements else [root / "pyproject.toml"]
    text = "\n".join(text_of(path) for path in texts if path.is_file())
    return bool(
        re.search(
            r"fastapi\W{0,3}\[[^\]]*\b(standard|all)\b|^fastapi\s*=\s*\{[^}]*extras\s*=\s*\[[^\]]*\b(standard|all)\b", text, re.M
        )
    )


def server_of(root: Path, dependencies: tuple[str, ...], requirements: str, how: str) -> tuple[dict, str, Finding]:
    """The Repository's server fields (gunicorn when it is a dependency, else uvicorn; the repository's own start
    command if any; the worker uvicorn's release runs under gunicorn), uvicorn's pin when the image must add it (a
    template may keep it among the dev dependencies only), and the finding."""
    server = "gunicorn" if "gunicorn" in dependencies else "uvicorn"
    start, source = procfile_command(root, CONTAINER_PORT)
    if start:
        return (
            {"server": server, "start": tuple(start)},
            "",
            Finding("start", shlex.join(start), f"{source}, bound to the container port"),
        )
    if server == "gunicorn" and (older := uvicorn_needing_uvloop(root, how, requirements)):
        why = f"the gunicorn dependency; uvicorn {older}'s own worker insists on uvloop, which it does not install"
        found = Finding("server", f"gunicorn, with uvicorn's {H11_WORKER}", why)
        return {"server": server, "gunicorn_worker": H11_WORKER}, "", found
    if "uvicorn" in dependencies or bundles_uvicorn(root, requirements):
        why = f"{'the' if server == 'gunicorn' else 'no'} gunicorn dependency"
        return {"server": server}, "", Finding("server", server, why)
    version = locked_version(root, how, "uvicorn") if how in ("uv", "poetry") else ""
    added = f"uvicorn=={version}" if version else "uvicorn"
    found = Finding("server", f"{server}, with {added} added to the image", "no uvicorn among the app's dependencies")
    return {"server": server}, added, found


def framework_extras(project: dict, dependencies: tuple[str, ...]) -> tuple[str, ...]:
    """The extras that bring fastapi when the main dependencies do not (a project split into api and worker extras)."""
    if "fastapi" in dependencies:
        return ()
    extras = project.get("project", {}).get("optional-dependencies", {}) or project.get("tool", {}).get("poetry", {}).get(
        "extras", {}
    )
    return tuple(name for name, listed in extras.items() if "fastapi" in {requirement_name(r) for r in listed})


def project_name(root: Path, project: dict) -> str:
    """The Compose-safe name of the project: [project] name, else the folder's."""
    return re.sub(r"[^a-z0-9-]", "-", (project.get("project", {}).get("name") or root.name).lower()).strip("-") or "app"


def refuse_unsettable(root: Path, settings: Settings | None) -> None:
    """A required setting read from a variable no env file can hold (`alias="mysql.host"`, for a config server) is
    refused before any build, naming it and where its alias is written."""
    unsettable = [f for f in settings.required if not f.variable.isidentifier()] if settings else []
    if unsettable:
        alias = unsettable[0].alias or unsettable[0].variable
        lines = ((p, n, line) for p in python_files(root) for n, line in enumerate(text_of(p).splitlines(), 1))
        where = next((f"{p.relative_to(root)}:{n}" for p, n, line in lines if repr(alias)[1:-1] in line), settings.source)
        named = ", ".join(f"{f.name} (from {f.alias or f.variable})" for f in unsettable[:3])
        raise NotAFastAPIRepository(
            f"{where}: required settings are read from variables no env file can set, not being names of "
            f"letters, digits and _: {named}; give them aliases that are (MYSQL_HOST), or defaults"
        )


def the_apps_module(root: Path, project: dict) -> App:
    """The app, as the image runs it; one importing a module of the repository's own that it does not hold stops here."""
    app = as_its_package(root, runs_from_its_folder(root, on_pytest_path(root, project, the_app(root))))
    refuse_missing_submodules(root)
    refuse_unheld_imports(root, app)
    return app


def refuse_outside(root: Path, project: dict, app: App, install: tuple[str, str, tuple[str, ...]]) -> None:
    """Refuses what lies outside the service's folder, which is all its image is built from: a dependency installed
    from a folder there, a module the app imports that only a folder there holds."""
    how, requirements, dependencies = install
    refuse_folders_outside(root, project, how, requirements)
    if not (how == "uv" and workspace_of(root, project)):  # a uv workspace member's image is built from the workspace
        refuse_imports_outside(root, app, dependencies)


def read_repository(root: Path, python: str = "") -> Repository:
    """Everything init needs to know, or NotAFastAPIRepository saying what was looked for and where (`python`: --python)."""
    project = pyproject(root)
    app = the_apps_module(root, project)  # unreadable code stops here
    settings = find_settings(root)
    refuse_unsettable(root, settings)
    how, found_installer, requirements, dependencies = installer(root, project)
    refuse_outside(root, project, app, (how, requirements, dependencies))
    backing = backing_services(root, dependencies, settings)
    servers, added_server, found_server = server_of(root, dependencies, requirements, how)
    migrate, added_for_migrations, said_of_migrations = migrations_of(root, dependencies, how, backing.database)
    worker = find_worker(root, dependencies, app.source_root)
    chosen = Finding("python", python, "--python") if python else python_version(root, project)
    about_settings, settings_said = settings_fields(root, settings, backing.held_files)
    findings = [chosen, found_installer, Finding("app", app.reference, app.source), found_server, *settings_said]
    findings += backing.findings + [*filter(None, [migrate]), *said_of_migrations] + worker_findings(worker)
    chosen = below_a_ceiling(root, chosen, project, dependencies)
    findings[0], compiled, findings[2:2] = python_and_builds(root, how, requirements, chosen, project, dependencies)
    tests, about_tests = service_tests(root, project, how, app)
    (prestart, about_programs), (beside, about_beside) = prestart_fields(root, migrate), beside_fields(root, app.folder)
    unlocked, about_unlocked = unlocked_fields(root, how, requirements, findings[0].value)
    return Repository(
        root=root,
        **project_fields(root, project, dependencies, how),
        python=findings[0].value,
        installer=how,
        requirements=requirements,
        app=app,
        **about_settings,
        **servers,
        added=tuple(pin for pin in (added_server, *added_for_migrations) if pin),
        **backing.repository_fields(),
        **worker_fields(worker),
        migrations=migrate.value if migrate else "",
        compiled=tuple(compiled),
        **(prestart | beside),
        service_tests=tests,
        **unlocked,
        findings=findings + about_unlocked + about_tests + about_programs + about_beside,
    )
