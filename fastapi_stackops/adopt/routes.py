"""The app's real routes, asked of the built image, and what init makes of them: health paths and a persistence scenario."""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from fastapi_stackops import StackError
from fastapi_stackops.adopt.app_probe import FAILED, MARKER, STARTUP_FAILED
from fastapi_stackops.adopt.conventions import CODE_DIR
from fastapi_stackops.adopt.failure_advice import KILLED_SAID, READ_ONLY, UNREACHED, advice, missing_folder, written
from fastapi_stackops.adopt.import_failure import MISSING_ENV_FILE, Failure, cause, undeclared
from fastapi_stackops.adopt.local_forward import forwards
from fastapi_stackops.adopt.persistence_scenario import scenario
from fastapi_stackops.adopt.refused_values import missing_variables, refused_values
from fastapi_stackops.adopt.repository import Repository
from fastapi_stackops.adopt.stale_locks import unlocked
from fastapi_stackops.adopt.table_resets import tables_reset_at_start
from fastapi_stackops.adopt.unheld_imports import around
from fastapi_stackops.commands import last_words
from fastapi_stackops.diagnosis import TRACEBACK, failure_cause, given_up_words
from fastapi_stackops.stack import Stack

#: The script the built image runs; its answers are lines that start with MARKER or FAILED.
PROBE = (Path(__file__).parent / "app_probe.py").read_text()
#: A FileNotFoundError an app raises itself, naming its env file first (MasterKwon/FastAPI_demo's `Path(".env").exists()`).
OWN_ENV_CHECK = re.compile(r"\W*(\.env(?:\.[\w-]+)?)(?![\w./-])")
#: How long the app's startup may take before the probe stops watching it (a startup that waits for a database).
STARTUP_SECONDS = 6
HEALTH = re.compile(r"(^|/)(health|healthz|healthcheck|health-check|livez|liveness|ping|probe|status)/?$", re.I)
READY = re.compile(r"(^|/)(ready|readyz|readiness)/?$", re.I)
METRICS = re.compile(r"(^|/)metrics/?$")
#: A health route's flag asking for its shallow check (`?liveness=true`): asked bare, such a route may answer 503.
LIVENESS = re.compile(r"^(liveness|live|alive|is_alive)$", re.I)


@dataclass
class Routes:
    health: str = ""
    ready: str = ""
    metrics: str = ""
    docs: str = ""
    openapi_url: str = ""
    persistence: dict | None = None
    remarks: list[str] = field(default_factory=list)  # what init says about them
    image_mb: int = 0  # the size of the image they were read from: the contract's size budget follows it

    @property
    def probe_path(self) -> str:
        """The path the image's HEALTHCHECK asks; "" when the app has none to ask (then any answer from / counts)."""
        return self.ready or self.health or self.openapi_url


class ImportFailed(StackError):
    """The built image could not import the app: why, from the probe's report, else the app's own last words."""

    def __init__(
        self, repo: Repository, words: str, failure: Failure | None = None, migrating: bool = False, killed: bool = False
    ):
        self.killed = killed  # by the kernel, over the memory limit: no exception to report
        # The output's last lines, and the whole exception: a model's every missing field, not only its last; and the
        # chain's first, which a re-raise hides (dictConfig's "Unable to configure handler" over a read-only path).
        self.words = " ".join(filter(None, (words, failure.message, failure.root))) if failure else words
        self.failure = failure
        deps_file = repo.requirements or "pyproject.toml"
        local = local_modules(repo, failure.name if failure else "")
        self.undeclared = undeclared(failure, local) if failure else ""
        explained = (
            cause(failure, deps_file, local, around(repo.root), unlocked(repo.root, repo.installer, repo.dependencies))
            if failure
            else ""
        )
        said = f"{failure.said if failure else words}; {advice(self.words, migrating)}"
        # One line: an exception's own text may span several (SQLAlchemy's adds "(Background on this error at: ...)").
        why = " ".join((explained or said).split())
        failed = f"could not import {repo.app.reference} to read its routes"
        failed = f"failed its migrations ({repo.migrations}) before the app could start" if migrating else failed
        super().__init__(f"the built image {failed}: {why}")

    @property
    def unreached(self) -> bool:
        return bool(UNREACHED.search(self.words))

    @property
    def missing_env_file(self) -> str:
        found = MISSING_ENV_FILE.search(self.words)
        if found:
            return os.path.normpath(found.group(1) or found.group(2))
        # The app's own check that its env file exists, in its own words (".env 파일이 존재하지 않습니다"): where it runs.
        own = OWN_ENV_CHECK.match(self.failure.message) if self.failure and self.failure.kind == "FileNotFoundError" else None
        return f"{CODE_DIR}/{own[1]}" if own else ""

    @property
    def missing_variables(self) -> tuple[str, ...]:
        return missing_variables(self.words)

    @property
    def refused_values(self) -> dict[str, str]:
        return refused_values(self.words)

    @property
    def read_only_path(self) -> str:
        return written(self.words)

    @property
    def missing_folder(self) -> str:
        return missing_folder(self.words)


def local_modules(repo: Repository, name: str = "") -> set[str]:
    """The repository's own top-level modules, beside its code and in its source root; with `name` (a module an import
    failure names), each of its dotted prefixes the repository holds too (`app`, `app.core`, `app.core.db`)."""
    roots = [repo.root, repo.root / repo.app.source_root] if repo.app.source_root else [repo.root]
    tops = {p.stem for root in roots if root.is_dir() for p in root.iterdir() if p.suffix == ".py" or p.is_dir()}
    parts = name.split(".")
    held = {
        ".".join(parts[:n])
        for n in range(1, len(parts) + 1)
        for root in roots
        if root.joinpath(*parts[:n]).is_dir() or root.joinpath(*parts[:n]).with_suffix(".py").is_file()
    }
    return tops | held


#: What the probe's shell says when the migrations it runs first fail: the app was never imported.
MIGRATIONS_FAILED = "stackops-migrations-failed"


def unreached_said(stderr: str) -> str:
    """The line where the app said it reached no server, however early: an app that logs its failed connection at
    import and goes on fails later, on a name it never bound (psycopg2's pool made in a `try`)."""
    return next((line.strip() for line in stderr.splitlines() if UNREACHED.search(line)), "")


def ask_image(stack: Stack, service: str, repo: Repository, base: dict, with_deps: bool = False) -> dict:
    """The app's routes and OpenAPI document, as the built image's own Python imports them (`compose run`); with_deps
    starts the services it depends on first (an app that connects to its database at import), and its migrations."""
    app = repo.app
    probe = ["-c", PROBE, app.module, app.attribute, "factory" if app.factory else "", f"{CODE_DIR}/", str(STARTUP_SECONDS)]
    probe.append(f"/opt/venv/bin/{repo.server}")  # what the app's command line is as its server runs it
    probe.append(f"(?i){HEALTH.pattern}|{READY.pattern}")  # the paths it asks, as a check would, for a login's refusal
    # Through the image's own entrypoint when it has one (it writes the file dotenv_values reads, or starts the forwards
    # to servers the code opens at localhost): it runs the command.
    own = repo.dotenv_files or forwards(repo)
    entry = (lambda program: [service, program]) if own else (lambda program: ["--entrypoint", program, service])
    command = [*entry("python"), *probe]
    # As the stack starts it: its migrations first (an extension they create); an SQLite file's with no server to wait on.
    if (with_deps or (repo.database == "sqlite" and not repo.data_folder)) and repo.migrations:
        migrate = f'{repo.migrations} >&2 || {{ echo {MIGRATIONS_FAILED}; exit 3; }}; exec python "$@"'
        command = [*entry("sh"), "-c", migrate, "python", *probe]
    run = ["run", "--rm", *([] if with_deps else ["--no-deps"]), "-T", *command]
    output = stack.compose(run, capture=True, check=False, extra_env=base)
    failure, startup = None, None
    for line in output.stdout.splitlines():
        if line.startswith(MARKER):  # with why its startup failed, if it did: what init may learn from
            held = {"resets": tables_reset_at_start(repo.root), "in_memory": not repo.keeps_records}
            return reported(line, MARKER) | {"startup": startup or logged_unwritable(output)} | held
        if line.startswith(FAILED):
            failure = Failure.of(reported(line, FAILED))
        if line.startswith(STARTUP_FAILED):
            startup = reported(line, STARTUP_FAILED)
    words = apps_own_words(output, (MARKER, FAILED, STARTUP_FAILED, MIGRATIONS_FAILED))
    if MIGRATIONS_FAILED in output.stdout and TRACEBACK.search(output.stderr or ""):
        words = failure_cause(output.stderr)  # the exception, not the SQL statement's last lines that end it
    dependency = "" if failure else given_up_words(stack, output.stderr or "")
    words = "; ".join(filter(None, (words, dependency)))  # a database that never started, in its own words
    killed = output.returncode == KILLED and not failure
    words = f"{last_words(output)}; {KILLED_SAID} {repo.memory}" if killed else words
    words = words if UNREACHED.search(words) else "; ".join(filter(None, (words, unreached_said(output.stderr or ""))))
    words = words or ("" if failure else last_words(output))
    raise ImportFailed(repo, words, failure, MIGRATIONS_FAILED in output.stdout, killed)


def logged_unwritable(output: subprocess.CompletedProcess) -> dict | None:
    """A write under the read-only code that the app caught and logged as it started (DiogoRibeiro7/fastapi-ml-platform
    trains a model into its committed artifacts/ when none is saved; inv ci's smoke then found the error in its log):
    what a startup failing on it would teach; None when its output names none."""
    found = READ_ONLY.search(f"{output.stdout}\n{output.stderr or ''}")
    return {"kind": "OSError", "message": found.group(0)} if found else None


#: How a container ends when the kernel kills it for memory over its limit (SIGKILL): no exception, no report.
KILLED = 137


def reported(line: str, marker: str) -> dict:
    """The probe's JSON report on its line, less what the app's own threads printed after it before the line ended
    (zero-ljz/fastapi-template's init stopped on "Extra data" once in two runs)."""
    return json.JSONDecoder().raw_decode(line[len(marker) :])[0]


def first(paths: list[str], pattern: re.Pattern) -> str:
    return min((p for p in paths if pattern.search(p)), key=len, default="")


#: A header a login travels in, which a route may read as an optional parameter and refuse without (`Header(None)`).
LOGIN_HEADER = re.compile(r"authorization|(x[-_])?(api[-_]?key|token|auth[-_]token)", re.I)


def answers_bare(openapi: dict, path: str) -> bool:
    """Whether a GET of the path needs nothing a probe has: no required parameter (a 422), no login (a 401), whether
    as a security scheme or as a header it reads itself. A route the document leaves out (include_in_schema=False) is
    taken to need nothing."""
    operation = openapi.get("paths", {}).get(path, {}).get("get") or {}
    parameters = operation.get("parameters", [])
    login = any(p.get("in") == "header" and LOGIN_HEADER.fullmatch(p.get("name", "")) for p in parameters)
    return not operation.get("security") and not login and not any(p.get("required") for p in parameters)


def answers_a_model(openapi: dict, path: str) -> bool:
    """Whether a GET of the path is declared to answer a JSON model (`response_model=MetricsOut`, `-> dict`): no
    Prometheus text, whose handler returns a plain Response (an empty schema)."""
    operation = openapi.get("paths", {}).get(path, {}).get("get") or {}
    content = (operation.get("responses", {}).get("200") or {}).get("content") or {}
    return bool((content.get("application/json") or {}).get("schema"))


def with_liveness(openapi: dict, path: str) -> str:
    """The path with its liveness flag set, when its GET takes one (an optional boolean query parameter)."""
    operation = openapi.get("paths", {}).get(path, {}).get("get") or {}
    flag = next(
        (
            p["name"]
            for p in operation.get("parameters", [])
            if p.get("in") == "query" and LIVENESS.match(p["name"]) and "boolean" in json.dumps(p.get("schema", {}))
        ),
        "",
    )
    return f"{path}?{flag}=true" if path and flag else path


def choose_routes(asked: dict) -> Routes:
    """Health, ready, metrics and docs paths from the real routes; with no health-like route, the OpenAPI document."""
    plain = [path for path, methods in asked["routes"] if "{" not in path and ("GET" in methods or not methods)]
    refusing = asked.get("refusing") or {}  # a middleware's login (sajidreshmi/fastapi-crm's health route: 401, served as 500)
    raising = set(asked.get("raising") or [])  # a route written to fail (nik-erofeev/fastapi_example's /ping)
    plain = [path for path in plain if answers_bare(asked.get("openapi") or {}, path) and path not in {*refusing, *raising}]
    routes = Routes(
        health=with_liveness(asked.get("openapi") or {}, first(plain, HEALTH)),
        ready=first(plain, READY),
        metrics=first([path for path in plain if not answers_a_model(asked.get("openapi") or {}, path)], METRICS),
        docs=asked.get("docs_url") or "",
        openapi_url=asked.get("openapi_url") or "",
    )
    routes.remarks += [
        f"{path} answers {status} (a login its middleware asks of it): checks leave it out" for path, status in refusing.items()
    ]
    routes.remarks += [f"{path} raises in its own code before it answers: checks leave it out" for path in sorted(raising)]
    if asked.get("broken"):  # /openapi.json answers 500: no check asks it, and readiness is the docs page
        routes.remarks.append(f"its OpenAPI document fails to build ({asked['broken']}): checks leave it out")
        routes.openapi_url = routes.docs
    if asked.get("guarded"):  # a middleware asks every path for a login, the document too: no check can ask them
        routes.remarks.append(f"its OpenAPI document answers {asked['guarded']} (a login): checks leave it and the docs out")
        routes.docs = routes.openapi_url = ""
    if not (routes.health or routes.ready):
        routes.ready = routes.openapi_url
        what = "the docs page" if asked.get("broken") else "the OpenAPI document"
        routes.remarks.append(
            f"no health-like route: readiness is {what} {routes.openapi_url}"
            if routes.openapi_url
            else "no health-like route and no OpenAPI document: ready when / answers at all (any status below 500)"
        )
    routes.persistence, reason = scenario(asked.get("openapi") or {})
    if routes.persistence and asked.get("resets"):  # a restart empties its tables: no record could be read back
        routes.persistence, reason = None, f"the app drops its tables as it starts ({asked['resets']}), which no record outlives"
    if routes.persistence and asked.get("in_memory"):  # no database, no volume: a record lives in the app's memory alone
        routes.persistence, reason = None, "its stack has no database and no volume, so no record outlives a restart"
    if reason:
        routes.remarks.append(f"no persistence scenario: {reason}")
    return routes


#: Compose's progress on stderr as `compose run` makes what the run needs (" Network shop_default  Created").
COMPOSE_PROGRESS = re.compile(r"^\s*(Network|Volume|Container|Image)\s+\S+\s+[A-Z][a-z]+$")


def apps_own_words(output: subprocess.CompletedProcess, reports: tuple[str, ...]) -> str:
    """The app's last words in a run of the probe, "" when it said nothing: its lines on stdout less the probe's
    `reports` (a failure's words come from its fields, not their JSON), and on stderr less Compose's progress: an app
    that exits at import (`sys.exit(1)` after printing what it misses) says why on stderr."""
    own = "\n".join(line for line in output.stdout.splitlines() if not line.startswith(reports))
    errors = "\n".join(line for line in (output.stderr or "").splitlines() if not COMPOSE_PROGRESS.match(line))
    said = subprocess.CompletedProcess(output.args, output.returncode, own, errors)
    return last_words(said) if own.strip() or errors.strip() else ""
