"""`inv bench`: the stack's figures on this machine, each a ratio against a baseline measured in the same run.

Sections (all by default; `--only` picks some):
  build   image size, cold build, rebuild after a one-line change: ours against a
          single-stage pip image, a single-stage uv image and our own multi-stage
          image with pip in the builder, all from the same base
  stack   `inv up` to healthy (from down, and of the running stack) and `inv down` against
          plain Compose, SQLite and PostgreSQL; engine API calls per `inv up`
  cli     `inv --list` against `inv --version` (Invoke's own start) and `python -c pass`
  reload  hot reload, from an edit to the new response, against rebuild-and-up
  load    ab at 1, 16, 64 and 256 clients; gunicorn with 1, 2 and 4 workers against
          plain single-process uvicorn; 256 clients of mixed reads and writes

Everything runs on a copy of the repository's files (the working tree is never
edited), in projects of its own with engine-chosen ports on 127.0.0.1, and is
removed afterwards. The table is printed, and written as JSON under bench/runs/.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests

from bench.load import ab, missing_writes, mixed_clients
from stackops import StackError, lifecycle
from stackops.baseimages import ensure_base_images
from stackops.compose import compose_command, down_args, up_args
from stackops.console import say, step
from stackops.engine import connect, engine_version
from stackops.settings import compose_environment, load_settings
from stackops.stack import Stack
from stackops.waiting import poll, within
from tests.utils import write_env

ROOT = Path(__file__).resolve().parent.parent
README_START, README_END = "<!-- bench:start -->", "<!-- bench:end -->"


@dataclass
class Row:
    """One figure and the baseline it is measured against."""

    section: str
    figure: str
    value: float
    unit: str
    baseline: str = ""
    baseline_value: float | None = None
    target: str = ""  # what the project aims for, as text
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline_value if self.baseline_value else None


@dataclass
class Bench:
    workspace: Path
    client: object
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    rows: list[Row] = field(default_factory=list)
    rebuild_and_up: float | None = None  # seconds; hot reload's baseline, from the stack section

    def add(self, *args, **kwargs) -> Row:
        row = Row(*args, **kwargs)
        self.rows.append(row)
        return row


# --- running things ---


def timed(command: Sequence[str], cwd: Path, env: dict | None = None) -> float:
    """Seconds a command takes; its output is shown only when it fails."""
    start = time.monotonic()
    result = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seconds = time.monotonic() - start
    if result.returncode != 0:
        raise StackError(f"bench: {' '.join(map(str, command))} failed:\n{result.stdout[-3000:]}")
    return seconds


def inv_command(*args: str) -> list[str]:
    script = Path(sys.executable).parent / "inv"
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "invoke", *args]


def median_of(times: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(times))


def copy_workspace(target: Path) -> Path:
    """The repository's files (tracked and new, not ignored) copied, so edits never touch the working tree."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def env_file(bench: Bench, name: str, base: str, **values: str) -> Path:
    """A scratch env file in the workspace, as the tests write theirs: env/<base>.env.docker, a project of its own, `values`."""
    project = f"bench-{bench.run_id}-{name}"
    return write_env(bench.workspace / "env", base=base, name=f"bench-{name}", COMPOSE_PROJECT_NAME=project, **values)


def entry_url(env: Path) -> str:
    """Where the running stack of this env file answers: its entry service's published port."""
    return Stack.of_env(str(env)).url()


def append_line(path: Path, line: str) -> None:
    path.write_text(path.read_text() + line + "\n")


# --- sections ---


def bench_build(bench: Bench) -> None:
    """Cold build, rebuild after a one-line change, and size: ours against three alternatives from the same base."""
    ws = bench.workspace
    stack = Stack(load_settings(str(env_file(bench, "build", "dev"))), bench.client)
    base = ensure_base_images(stack.settings, stack.model, stack.client, log=lambda _: None)["PYTHON_BASE_IMAGE"]
    variants = {
        "single-stage-pip": {"dockerfile": str(ROOT / "bench/dockerfiles/single-stage-pip.Dockerfile")},
        "single-stage-uv": {"dockerfile": str(ROOT / "bench/dockerfiles/single-stage-uv.Dockerfile")},
        "multi-stage-pip": {"dockerfile": str(ROOT / "bench/dockerfiles/multi-stage-pip.Dockerfile")},
        "ours": {"dockerfile": str(ws / "docker/Dockerfile"), "target": "runtime"},
    }
    project = f"bench-{bench.run_id}-build"
    compose_file = ws / "bench-build.json"
    services = {
        name: {
            "image": f"{project}-{name}",
            "build": {"context": str(ws), "args": {"PYTHON_BASE": base}, "secrets": ["ca_bundle"], **spec},
        }
        for name, spec in variants.items()
    }
    ca_bundle = {"file": str(stack.settings.ca_bundle or "/dev/null")}
    compose_file.write_text(json.dumps({"services": services, "secrets": {"ca_bundle": ca_bundle}}))
    compose = ["docker", "compose", "--project-name", project, "--file", str(compose_file), "build"]
    figures = {}
    try:
        for name in variants:
            with step(f"building {name}: cold, unchanged, after a one-line change"):
                cold = timed([*compose, "--no-cache", name], ws)
                unchanged = timed([*compose, name], ws)
                append_line(ws / "app/routers/notes.py", f"# bench edit {uuid.uuid4().hex}")
                one_line = timed([*compose, name], ws)
                size = bench.client.images.get(f"{project}-{name}").attrs["Size"] / 1e6
            figures[name] = (cold, unchanged, one_line, size)
    finally:
        for name in variants:
            subprocess.run(["docker", "image", "rm", "-f", f"{project}-{name}"], capture_output=True)
    build_rows(bench, figures)


def build_rows(bench: Bench, figures: dict[str, tuple[float, float, float, float]]) -> None:
    """Each variant's (cold, unchanged, one-line change, size) as rows: ours against the others."""
    cold, unchanged, one_line, size = figures["ours"]
    pip = figures["single-stage-pip"]
    bench.add("build", "api image size", size, "MB", "single-stage pip", pip[3], "<= 125 MB", size <= 125)
    bench.add("build", "api image size", size, "MB", "single-stage uv", figures["single-stage-uv"][3])
    bench.add("build", "cold build", cold, "s", "single-stage pip", pip[0], "<= 0.8x", cold <= 0.8 * pip[0])
    bench.add("build", "cold build", cold, "s", "single-stage uv", figures["single-stage-uv"][0])
    bench.add("build", "cold build", cold, "s", "ours with pip in the builder", figures["multi-stage-pip"][0])
    bench.add(
        "build", "rebuild after a one-line change", one_line, "s", "our cold build", cold, "<= 0.05x", one_line <= 0.05 * cold
    )
    bench.add("build", "rebuild after a one-line change", one_line, "s", "single-stage pip's", pip[2])
    bench.add("build", "rebuild with nothing changed", unchanged, "s", "our cold build", cold)


def stack_env(stack: Stack) -> dict:
    return compose_environment(stack.settings, ensure_base_images(stack.settings, stack.model, stack.client, log=lambda _: None))


def bench_stack(bench: Bench) -> None:
    """`inv up` to healthy and `inv down` against the same Compose commands run plainly, on the same stack."""
    ws = bench.workspace
    for label, base, extra in (
        ("SQLite", "dev", {"COMPOSE_FILE": "docker/compose.yaml", "APP_LOG_LEVEL": "INFO"}),
        ("PostgreSQL", "ci", {}),
    ):
        env = env_file(bench, label.lower(), base, HEALTHCHECK_INTERVAL="1s", POSTGRES_PASSWORD="bench", **extra)
        settings = load_settings(str(env))
        plain_env = {**os.environ, **stack_env(Stack(settings, bench.client))}
        plain_up = compose_command(settings, *up_args(settings, build=False))
        plain_down = compose_command(settings, *down_args())
        try:
            with step(f"{label}: inv up and down against plain Compose, three times each"):
                up_down_rows(bench, label, env, plain_up, plain_down, plain_env)
            with step(f"{label}: inv up of the running stack against plain Compose, three times each"):
                running_stack_rows(bench, label, env, plain_up, plain_env)
            if label == "SQLite":
                append_line(ws / "app/routers/notes.py", f"# bench edit {uuid.uuid4().hex}")
                with step("SQLite: inv up after a one-line change (rebuild and restart)"):
                    bench.rebuild_and_up = timed(inv_command("up", "--env", str(env)), ws)
        finally:
            subprocess.run(inv_command("clean", "--env", str(env), "--volumes", "--yes"), cwd=ws, capture_output=True)


def up_down_rows(bench: Bench, label: str, env: Path, plain_up: list[str], plain_down: list[str], plain_env: dict) -> None:
    """`inv up --no-build` from down to healthy, and `inv down`, against the same Compose commands run plainly."""
    ws = bench.workspace
    timed(inv_command("up", "--env", str(env)), ws)  # builds, and makes the volumes: not counted
    timed(inv_command("down", "--env", str(env)), ws)
    ups, downs, plain_ups, plain_downs = [], [], [], []
    for _ in range(3):
        ups.append(timed(inv_command("up", "--env", str(env), "--no-build"), ws))
        downs.append(timed(inv_command("down", "--env", str(env)), ws))
        plain_ups.append(timed(plain_up, ws, plain_env))
        plain_downs.append(timed(plain_down, ws, plain_env))
    up, plain = statistics.median(ups), statistics.median(plain_ups)
    bench.add("stack", f"{label}: inv up to healthy", up, "s", "docker compose up --wait", plain, "<= 1.05x", up <= 1.05 * plain)
    down, plain_down_seconds = statistics.median(downs), statistics.median(plain_downs)
    bench.add("stack", f"{label}: inv down", down, "s", "docker compose down", plain_down_seconds)


def running_stack_rows(bench: Bench, label: str, env: Path, plain_up: list[str], plain_env: dict) -> None:
    """What `inv up` adds to Compose finding nothing to do, in seconds and in engine API calls."""
    ws = bench.workspace
    timed(plain_up, ws, plain_env)
    again = statistics.median(timed(inv_command("up", "--env", str(env), "--no-build"), ws) for _ in range(3))
    plain_again = statistics.median(timed(plain_up, ws, plain_env) for _ in range(3))
    stack = Stack(load_settings(str(env)), connect())
    calls = engine_calls_per_up(stack)
    target = again <= 1.05 * plain_again
    bench.add("stack", f"{label}: inv up, stack running", again, "s", "docker compose up --wait", plain_again, "<= 1.05x", target)
    bench.add("stack", f"{label}: engine API calls per inv up", calls, "", "containers", len(stack.look_again().containers()))


def engine_calls_per_up(stack: Stack) -> int:
    """HTTP requests to the engine one `inv up --no-build` of this running stack makes, counted on its client."""
    calls = []
    stack.client.api.hooks["response"].append(lambda response, *args, **kwargs: calls.append(response.request.path_url))
    lifecycle.up(stack, build=False)
    return len(calls)


def bench_cli(bench: Bench) -> None:
    """`inv --list` against Invoke's own start (`inv --version`) and the interpreter's."""
    with step("inv --list against inv --version and python -c pass, seven times each"):
        timed(inv_command("--list"), bench.workspace)  # warm the file cache
        listing = median_of(7, lambda: timed(inv_command("--list"), bench.workspace))
        invoke_alone = median_of(7, lambda: timed(inv_command("--version"), bench.workspace))
        bare = median_of(7, lambda: timed([sys.executable, "-c", "pass"], bench.workspace))
    met = listing <= 1.15 * invoke_alone
    bench.add("cli", "inv --list", listing * 1000, "ms", "inv --version", invoke_alone * 1000, "<= 1.15x", met)
    bench.add("cli", "inv --list", listing * 1000, "ms", "python -c pass", bare * 1000)


def answers_200(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def wait_for_answer(url: str, timeout: float = 60) -> float:
    start = time.monotonic()
    if not poll(lambda: answers_200(url), within(timeout), interval=0.05):
        raise StackError(f"bench: {url} did not answer within {timeout:.0f}s")
    return time.monotonic() - start


def bench_reload(bench: Bench) -> None:
    """From saving an edit to the new response, in the dev stack (app/ mounted, the server reloading)."""
    ws = bench.workspace
    env = env_file(bench, "dev", "dev", HEALTHCHECK_INTERVAL="1s")
    try:
        with step("dev stack: an edit until its response"):
            timed(inv_command("up", "--env", str(env)), ws)
            url = entry_url(env)
            token = uuid.uuid4().hex[:8]
            append_line(
                ws / "app/routers/health.py",
                f'\n\n@router.get("/bench-{token}")\nasync def bench_{token}() -> dict:\n    return {{"token": "{token}"}}',
            )
            seconds = wait_for_answer(f"{url}/bench-{token}")
    finally:
        subprocess.run(inv_command("clean", "--env", str(env), "--volumes", "--yes"), cwd=ws, capture_output=True)
    baseline = bench.rebuild_and_up
    bench.add("reload", "hot reload: edit to new response", seconds, "s", "rebuild and inv up" if baseline else "", baseline)


def ensure_ab() -> None:
    if shutil.which("ab"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        with step("installing ab (Debian's apache2-utils)"):
            subprocess.run(["apt-get", "install", "-y", "-qq", "apache2-utils"], check=True, capture_output=True)
        return
    raise StackError("bench: ab is missing; install it with: sudo apt-get install apache2-utils")


def bench_load(bench: Bench) -> None:
    """ab on the PostgreSQL stack: clients 1 to 256, worker counts against plain uvicorn, then mixed reads and writes."""
    ensure_ab()
    ws = bench.workspace
    uvicorn_file = ws / "bench-uvicorn.yaml"
    uvicorn_file.write_text(
        "services:\n  api:\n    command: [uvicorn, --factory, app.main:create_app, --host, 0.0.0.0, --port, '8000', --no-access-log]\n"
    )
    env = env_file(bench, "load", "ci", HEALTHCHECK_INTERVAL="1s", POSTGRES_PASSWORD="bench")

    def start(**values: str) -> str:
        """(Re)start the stack with these values on top; its URL."""
        overlay = env.with_name(env.name.replace(".env.docker", ".local.env.docker"))
        overlay.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
        timed(inv_command("up", "--env", str(env)), ws)
        return entry_url(env)

    try:
        with step("load: ab on /health and on a note's read, 1 to 256 clients (default workers)"):
            url = start()
            note = requests.post(f"{url}/api/v1/notes", json={"title": "bench"}, timeout=10).json()["id"]
            runs = {}
            for clients in (1, 16, 64, 256):
                for path in ("/health", f"/api/v1/notes/{note}"):
                    ab(f"{url}{path}", clients, max(200, clients))  # warm-up
                    runs[path, clients] = ab(f"{url}{path}", clients, max(2000, clients * 10))
        with step("load: reads at 64 clients, plain uvicorn, then gunicorn with 1, 2 and 4 workers"):
            per_config = reads_per_server(start, note, uvicorn_file)
        with step("load: 256 clients writing and reading back notes (default workers)"):
            url = start()
            mixed = mixed_clients(url, 256, 4)
            lost = missing_writes(url, mixed.acknowledged)
    finally:
        subprocess.run(inv_command("clean", "--env", str(env), "--volumes", "--yes"), cwd=ws, capture_output=True)
    load_rows(bench, note, runs, per_config)
    bench.add("load", "mixed, 256 clients: failed", len(mixed.failures), "", "requests", mixed.requests, "0", not mixed.failures)
    bench.add("load", "mixed, 256 clients: writes lost", len(lost), "", "acknowledged", len(mixed.acknowledged), "0", not lost)
    bench.add("load", "mixed, 256 clients: req/s", mixed.requests / mixed.seconds, "req/s")


def reads_per_server(start: Callable[..., str], note: int, uvicorn_file: Path) -> dict:
    """ab of a note's read at 64 clients, the stack (re)started as plain uvicorn, then gunicorn with 1, 2 and 4 workers."""
    per_config = {}
    for label, values in (
        ("plain uvicorn (1 process)", {"COMPOSE_FILE": f"docker/compose.yaml:{uvicorn_file}"}),
        ("1 worker", {"WEB_CONCURRENCY": "1"}),
        ("2 workers", {"WEB_CONCURRENCY": "2"}),
        ("4 workers", {"WEB_CONCURRENCY": "4"}),
    ):
        config_url = start(**values)
        ab(f"{config_url}/api/v1/notes/{note}", 64, 300)  # warm-up
        per_config[label] = ab(f"{config_url}/api/v1/notes/{note}", 64, 4000)
    return per_config


def load_rows(bench: Bench, note: int, runs: dict, per_config: dict) -> None:
    """The ab runs as rows: throughput against one client, p99 against p50, worker counts against plain uvicorn."""
    for path, name in (("/health", "health"), (f"/api/v1/notes/{note}", "read")):
        for clients in (1, 16, 64, 256):
            run = runs[path, clients]
            bench.add("load", f"{name}, {clients} clients: req/s", run.per_second, "req/s", "1 client", runs[path, 1].per_second)
            target, met = "", None
            if name == "read" and clients == 64:
                target, met = "< 100 ms", run.p99_ms < 100
            bench.add("load", f"{name}, {clients} clients: p50 / p99", run.p99_ms, "ms", "p50", run.p50_ms, target, met)
            if run.failed or clients == 256:
                bench.add(
                    "load", f"{name}, {clients} clients: failed", run.failed, "", "requests", run.requests, "0", run.failed == 0
                )
    plain = per_config["plain uvicorn (1 process)"].per_second
    for label, run in per_config.items():
        if label.startswith("plain"):
            continue
        bench.add("load", f"reads at 64 clients, {label}", run.per_second, "req/s", "plain uvicorn", plain)
    two, one = per_config["2 workers"].per_second, per_config["1 worker"].per_second
    bench.add("load", "reads at 64 clients, 2 workers", two, "req/s", "1 worker", one, ">= 1.5x", two >= 1.5 * one)


# --- reporting ---


def machine() -> dict:
    memory = next(
        (
            int(line.split()[1]) // 1024**2
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    client = connect()
    engine, api = engine_version(client)
    compose = subprocess.run(["docker", "compose", "version", "--short"], capture_output=True, text=True).stdout.strip()
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {memory} GiB, Linux {platform.release()}",
        "engine": f"Docker {engine} (API {api}), Compose {compose}",
        "commit": commit,
    }


def number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.0f}" if abs(value) >= 100 or value == int(value) else f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def table(rows: list[Row]) -> list[list[str]]:
    head = ["figure", "value", "baseline", "ratio", "target", "met"]
    body = [
        [
            row.figure,
            f"{number(row.value)} {row.unit}".strip(),
            f"{row.baseline}: {number(row.baseline_value)}" if row.baseline_value is not None else row.baseline,
            f"{row.ratio:.2f}x" if row.ratio is not None else "",
            row.target,
            {True: "yes", False: "NO", None: ""}[row.met],
        ]
        for row in rows
    ]
    return [head, *body]


def plain_text(cells: list[list[str]]) -> str:
    widths = [max(len(line[i]) for line in cells) for i in range(len(cells[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip() for line in cells)


def markdown(cells: list[list[str]], about: dict) -> str:
    lines = [f"Measured by `inv bench` on {about['date']}: {about['machine']}; {about['engine']}; commit {about['commit']}.", ""]
    lines.append("| " + " | ".join(cells[0]) + " |")
    lines.append("|" + "---|" * len(cells[0]))
    lines += ["| " + " | ".join(line) + " |" for line in cells[1:]]
    return "\n".join(lines)


def write_readme(text: str) -> None:
    readme = ROOT / "README.md"
    content = readme.read_text()
    if README_START not in content or README_END not in content:
        raise StackError(f"README.md has no {README_START} ... {README_END} markers for the figures table")
    head, rest = content.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    readme.write_text(f"{head}{README_START}\n{text}\n{README_END}{tail}")


MEASURES = {"build": bench_build, "stack": bench_stack, "cli": bench_cli, "reload": bench_reload, "load": bench_load}
SECTIONS = tuple(MEASURES)


def run(sections: Sequence[str] = SECTIONS, readme: bool = False) -> Path:
    """Measure the chosen sections, print the table; returns the JSON file written."""
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise StackError(f"unknown bench section {', '.join(sorted(unknown))}; use some of {', '.join(SECTIONS)}")
    about = machine()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="stackops-bench-") as scratch:
        bench = Bench(workspace=copy_workspace(Path(scratch)), client=connect())
        for section, measure in MEASURES.items():  # in this order: reload's baseline comes from stack
            if section in sections:
                measure(bench)
    about["seconds"] = round(time.monotonic() - started)
    cells = table(bench.rows)
    say("\n" + plain_text(cells))
    say(f"\n{about['date']}; {about['machine']}; {about['engine']}; commit {about['commit']}; bench took {about['seconds']}s")
    output = ROOT / "bench" / "runs" / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    output.parent.mkdir(exist_ok=True)
    output.write_text(json.dumps({"about": about, "rows": [asdict(row) | {"ratio": row.ratio} for row in bench.rows]}, indent=1))
    say(f"written to {output.relative_to(ROOT)}")
    if readme:
        write_readme(markdown(cells, about))
        say("README.md's figures table updated")
    return output
