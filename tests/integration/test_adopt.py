"""`fastapi-stackops init` on repositories written here in the shapes of real ones: init, then `inv ci` passes with no edit,
and init is safe: a second run changes nothing, --dry-run writes nothing, nothing is overwritten without --force."""

import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.utils import (
    BARE,
    GITLAB_CI_LOCAL,
    bare_repository,
    committed,
    inv,
    npm_package,
    pipeline_errors,
    same_for_every_newcomer,
    spread,
    stackops,
)

pytestmark = [same_for_every_newcomer, spread]  # the same for every user and Python: proven once, by the outer run

SHAPES = [
    "uv-src-factory",
    "sqlite-host-folder",
    # PostGIS, made at its first start as postgis/postgis does (Debian's postgresql-15-postgis-3); Redis at localhost too
    "postgres-redis-worker",
    "poetry-asyncpg-alembic",
    # A key read by dotenv_values from a .env a clone lacks (the entrypoint writes it); a suite on a database of its own.
    "requirements-psycopg2-sync",
    "own-docker-files",
    "poetry-legacy-lock",  # Python 3.9 (bullseye): a lock 1.1 made before 3.11, settings over two classes, logs/
    "uv-mariadb-nested",  # Python 3.14 (forky): MariaDB for aiomysql, nested settings, tests inside the package
    "requirements-rabbitmq",  # aio-pika: RabbitMQ (Debian's rabbitmq-server), given in parts; a git-ignored key pair
]
#: A shape whose tasks.py is its own (FastAPI background jobs): init keeps it, and its tasks run as `fastapi-stackops`.
OWN_TASKS = "requirements-psycopg2-sync"
#: Shapes with a pytest suite of their own, which init gives a test image: how many tests each has. One of
#: requirements-rabbitmq's starts a container of its own (testcontainers), through the engine's socket.
WITH_TESTS = {"uv-src-factory": 2, "requirements-psycopg2-sync": 3, "uv-mariadb-nested": 2, "requirements-rabbitmq": 4}


#: A uv workspace whose member, api/, is the service: init runs in the member's folder.
WORKSPACE = "uv-workspace-member"


def test_every_bare_shape_is_tried():
    assert sorted(p.name for p in BARE.iterdir() if p.is_dir()) == sorted([*SHAPES, WORKSPACE])


@pytest.fixture
def adopted(engine, tmp_path):
    """Bare repositories, each after `fastapi-stackops init`; what their ci env started is cleaned, volumes too."""
    made = []

    def adopt(shape: str, *flags: str, files: dict[str, str] | None = None, folder: str = "") -> tuple:
        repo = bare_repository(shape, tmp_path, files or {}) / folder
        result = stackops("init", str(repo), *flags)
        assert result.returncode == 0, result.stdout + result.stderr
        # A project name of its own, in the git-ignored overlay a user would use: two tests adopting the same shape on
        # two workers would otherwise share tracklens-ci, and one's cleanup would remove the other's running stack.
        for env_file in repo.rglob("ci.env.docker"):
            env_file.with_name("ci.local.env.docker").write_text(f"COMPOSE_PROJECT_NAME=adopt-{uuid.uuid4().hex[:6]}\n")
        made.append(repo)
        return repo, result

    yield adopt
    for repo in made:  # works whichever tasks.py the repository has
        stackops("clean", "--env", "ci", "--volumes", "--yes", cwd=repo)


def changed_files(repo) -> str:
    """What git sees changed or added since the commit before init."""
    return subprocess.run(["git", "-C", str(repo), "status", "--porcelain"], capture_output=True, text=True).stdout


@pytest.mark.parametrize("shape", SHAPES)
def test_init_then_ci_passes_with_no_edit(shape, adopted, tmp_path):
    # One shape also gets a variable by --set, with characters YAML and Compose would otherwise take.
    repo, result = adopted(shape, *(["--set", 'DEPLOY_NOTE=a "quoted" $value: yes'] if shape == "uv-src-factory" else []))
    runner, run = ("fastapi-stackops", stackops) if shape == OWN_TASKS else ("inv", inv)
    assert "found" in result.stdout and f"next: {runner} up" in result.stdout
    if shape == OWN_TASKS:  # its tasks.py untouched; Invoke's tasks through the other door
        assert "tasks.py" not in changed_files(repo) and "fastapi-stackops <task>" in result.stdout
    if shape == "uv-src-factory":  # the value reaches the app exactly (ci then reuses the stack, and cleans it)
        assert run("up", "--env", "ci", cwd=repo, timeout=900).returncode == 0
        shown = run("exec", "--env", "ci", "web", "printenv DEPLOY_NOTE", cwd=repo)
        assert shown.stdout.strip() == 'a "quoted" $value: yes', shown.stdout + shown.stderr
    # One persistence cycle proves the generated setup keeps its data (the reference service's ci runs two).
    ci = run("ci", "--cycles", "1", "--reports", str(tmp_path / "reports"), cwd=repo, timeout=900, merged=True)
    assert ci.returncode == 0 and "ci passed" in ci.stdout, ci.stdout[-4000:]
    assert "FAIL" not in ci.stdout and "cycle 1: write, down, up, read back" in ci.stdout
    assert not (tmp_path / "reports" / "failure").exists(), "a green run leaves no failure bundle"
    # The pipeline init wrote runs lint too: prod's secrets live in an overlay no checkout has.
    assert not pipeline_errors(repo / ".github" / "workflows" / "stackops.yml", "github")
    lint = run("lint", cwd=repo, merged=True)
    assert lint.returncode == 0, lint.stdout[-2000:]
    if shape == "postgres-redis-worker":  # its status route counts in Redis at localhost, reached through the forward
        assert "localhost's port 6379 forwarded to the stack's Redis" in result.stdout, result.stdout
    if shape == "requirements-rabbitmq":  # the folder its startup (not its import) makes is a tmpfs, read in its code
        assert "writable     /srv/var, a tmpfs" in result.stdout, result.stdout
        assert "it starts containers (testcontainers), so the engine's socket is mounted in it" in result.stdout
        # A git-ignored key pair it opens at import: made by the keys one-shot, read by the server and the tests alike.
        assert "key files    certs/label-private.pem, certs/label-public.pem: the app opens them" in result.stdout
    if shape == OWN_TASKS:  # its server and its tests read the stack's key from the file the entrypoint wrote
        assert "env file     /srv/.env, read with dotenv_values, not the environment" in result.stdout, result.stdout
    if shape == "poetry-legacy-lock":  # the folder it makes at import is a tmpfs, and the image runs 3.9
        assert "writable     /srv/clinic_api/logs, a tmpfs" in result.stdout and "python       3.9" in result.stdout
    if shape in WITH_TESTS:  # the repository's own tests ran in their image, against the stack
        passed = f"{WITH_TESTS[shape]} passed"
        assert "running the service's tests (web-test)" in ci.stdout and passed in ci.stdout, ci.stdout[-4000:]


def test_a_uv_workspace_member_builds_from_the_workspace_lock_and_passes_ci(adopted, tmp_path):
    """The service is a member of a uv workspace whose lock lies at the root, above its folder (the layout of the
    full-stack templates): its image builds from that root with the locked pins, and its own tests run."""
    repo, result = adopted(WORKSPACE, folder="api")
    assert "installs     uv sync --frozen --package ledger-api, from the workspace's lock (from ../uv.lock)" in result.stdout
    ci = inv("ci", "--reports", str(tmp_path / "reports"), cwd=repo, timeout=900, merged=True)
    assert ci.returncode == 0 and "ci passed" in ci.stdout, ci.stdout[-4000:]
    assert "running the service's tests (web-test)" in ci.stdout and "2 passed" in ci.stdout, ci.stdout[-4000:]
    assert not pipeline_errors(repo.parent / ".github" / "workflows" / "stackops.yml", "github")


def test_a_repository_on_gitlab_passes_the_job_init_wrote_run_for_real(adopted):
    """The job file init writes beside a .gitlab-ci.yml, run by gitlab-ci-local (GitLab's own job semantics, offline)
    with its shell executor on this engine: its pip install finds the tooling already installed, then lint and ci."""
    if not shutil.which("rsync"):  # gitlab-ci-local copies with it; .ci/run installs it
        pytest.skip("gitlab-ci-local needs rsync: apt-get install rsync")
    including = "stages: [test]\ninclude:\n  - local: stackops.gitlab-ci.yml\n"
    repo, _ = adopted("sqlite-host-folder", files={".gitlab-ci.yml": including})
    assert not pipeline_errors(repo / "stackops.gitlab-ci.yml", "gitlab")
    committed(repo, "init's files")  # pushed, as GitLab would run it
    tool = npm_package(GITLAB_CI_LOCAL) / "node_modules" / ".bin" / "gitlab-ci-local"
    path = f"{Path(sys.executable).parent}:{os.environ['PATH']}"  # the runner's Python is the one with the tooling
    job = subprocess.run(
        [str(tool), "--force-shell-executor", "stackops"],
        cwd=repo,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=900,
    )
    said = job.stdout + job.stderr
    assert job.returncode == 0 and "PASS  stackops" in said, said[-4000:]
    assert "stackops $ inv lint" in said and "ci passed" in said, said[-4000:]
    assert sorted(p.suffix for p in (repo / "reports").iterdir()) == [".xml", ".xml"], said[-2000:]  # JUnit, no bundle
    # The build cache the job keeps for the next run on an empty engine (test_build_cache.py builds from one).
    assert "build cache  none yet" in said and (repo / ".stackops-build-cache" / "stackops-build-cache-web.tar").is_file()


def test_a_red_ci_names_the_failing_step_and_leaves_a_bundle_with_no_secret_in_it(adopted, tmp_path):
    """The service-test step inv ci runs (above, passing), failing: the bundle it leaves, and the step summary."""
    repo, result = adopted("uv-src-factory")
    assert "tests        tests/ with pytest" in result.stdout
    (repo / "tests" / "test_broken.py").write_text("def test_broken():\n    assert 1 == 2\n")
    # The secret init generated for the ci env: the web container's environment and inspect hold it.
    planted = re.search(r"^TRACKLENS_API_TOKEN=(\S+)$", (repo / "env" / "ci.env.docker").read_text(), re.MULTILINE).group(1)
    reports, summary = tmp_path / "reports", tmp_path / "summary.md"
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    run = inv("ci", "--reports", str(reports), cwd=repo, env=env, timeout=900, merged=True)
    assert run.returncode != 0 and "the service's tests failed (web-test): 1 failed, 2 passed" in run.stdout, run.stdout[-4000:]
    bundle = reports / "failure"
    names = sorted(p.name for p in bundle.iterdir())
    web = [n for n in names if "-web-1." in n]
    assert "summary.txt" in names and "compose.json" in names and len(web) == 3, names  # log, inspect, health
    said = (bundle / "summary.txt").read_text()
    assert said.startswith("failed: the service's tests failed (web-test)") and "service-test: failed" in said, said
    assert "| service-test | failed |" in summary.read_text()
    inspect = (bundle / next(n for n in web if n.endswith(".inspect.json"))).read_text()
    assert "TRACKLENS_API_TOKEN=***" in inspect
    everything = run.stdout + summary.read_text() + "".join(p.read_text() for p in bundle.iterdir())
    assert planted not in everything


def test_a_repositorys_own_docker_files_stay_untouched_beside_an_override(adopted):
    repo, result = adopted("own-docker-files")
    assert "own files    Dockerfile and docker-compose.yml, kept; compose.stackops.yaml beside them" in result.stdout
    # A clone lacks the env file the Compose file names, which git ignores: init makes it from the example beside it.
    assert (
        "env file     app/.env, which docker-compose.yml names and this checkout lacks: from its example beside it"
        in result.stdout
    )
    assert (repo / "app" / ".env").read_text() == (repo / "app" / ".env.example").read_text()
    changed = changed_files(repo)
    assert "Dockerfile" not in changed and "docker-compose.yml" not in changed and "?? compose.stackops.yaml" in changed
    contract = (repo / "pyproject.toml").read_text()
    assert 'compose-files = ["docker-compose.yml", "compose.stackops.yaml"]' in contract and "min-uid = 1000" in contract


def test_init_says_where_each_finding_comes_from(adopted):
    _, result = adopted("uv-src-factory")
    for line in (
        "python       3.11 (from requires-python in pyproject.toml (>=3.11))",
        "installs     uv sync --frozen (from uv.lock)",
        "app          tracklens.main:create_app (a factory) (from src/tracklens/main.py:",
        "settings     LensSettings, prefix TRACKLENS_",
        "health       /healthz (from the app's routes)",
        "persistence  POST /projects, then GET /projects/{id} (from the app's OpenAPI document)",
    ):
        assert line in result.stdout


def test_a_second_init_changes_nothing_and_dry_run_writes_nothing(adopted):
    repo, _ = adopted("sqlite-host-folder")
    before = changed_files(repo)
    contents = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts}
    again = stackops("init", str(repo))
    assert again.returncode == 0 and "nothing to change" in again.stdout, again.stdout
    (repo / "compose.yaml").write_text((repo / "compose.yaml").read_text() + "# the team's own line\n")
    dry = stackops("init", str(repo), "--dry-run", "--force")
    assert dry.returncode == 0 and "+++ b/compose.yaml" in dry.stdout and "nothing was written" in dry.stdout
    assert (repo / "compose.yaml").read_text().endswith("# the team's own line\n")
    kept = stackops("init", str(repo))
    assert "compose.yaml                     kept as it is" in kept.stdout
    assert (repo / "compose.yaml").read_text().endswith("# the team's own line\n")
    assert changed_files(repo) == before
    assert all(p.read_bytes() == data for p, data in contents.items() if p.name != "compose.yaml")
    forced = stackops("init", str(repo), "--force")
    assert "compose.yaml                     overwritten (--force)" in forced.stdout
    assert not (repo / "compose.yaml").read_text().endswith("# the team's own line\n")


def test_a_repository_without_a_fastapi_app_gets_one_line_and_exit_1(tmp_path):
    repo = tmp_path / "flask-shop"
    repo.mkdir()
    (repo / "requirements.txt").write_text("flask\n")
    (repo / "shop.py").write_text("from flask import Flask\n\napp = Flask(__name__)\n")
    result = stackops("init", str(repo))
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no FastAPI app found (looked for `= FastAPI(`" in lines[0] and str(repo) in lines[0]
    assert sorted(p.name for p in repo.iterdir()) == ["requirements.txt", "shop.py"]
