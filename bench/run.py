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
  init    `fastapi-stackops init`'s own time beside the image build it waits for
  images  the image init writes for three shapes (uv, poetry, requirements.txt)
          against the single-stage pip image of the same app, from the same base
  server  `inv deploy` to the SSH test host under a client loop
With --plot, latency against clients and each image's size by layer group are
drawn as PNG beside the JSON.

Everything runs on a copy of the repository's files (the working tree is never
edited), in projects of its own with engine-chosen ports on 127.0.0.1, and is
removed afterwards. The table is printed, and written as JSON under bench/runs/.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from bench.adopt import bench_init
from bench.build import bench_build
from bench.core import ROOT, Bench, Row, copy_workspace
from bench.images import bench_images
from bench.plot import plot
from bench.serve import bench_load, bench_reload
from bench.server import bench_server
from bench.stack import bench_cli, bench_stack
from fastapi_stackops import StackError
from fastapi_stackops.console import say
from fastapi_stackops.engine import connect, engine_version

README_START, README_END = "<!-- bench:start -->", "<!-- bench:end -->"


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
    """The figures table in docs/figures.md (`--readme`: the README points there)."""
    readme = ROOT / "docs" / "figures.md"
    content = readme.read_text()
    if README_START not in content or README_END not in content:
        raise StackError(f"docs/figures.md has no {README_START} ... {README_END} markers for the figures table")
    head, rest = content.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    readme.write_text(f"{head}{README_START}\n{text}\n{README_END}{tail}")


MEASURES = {
    "build": bench_build,
    "stack": bench_stack,
    "cli": bench_cli,
    "reload": bench_reload,
    "load": bench_load,
    "init": bench_init,
    "images": bench_images,
    "server": bench_server,
}
SECTIONS = tuple(MEASURES)


def run(sections: Sequence[str] = SECTIONS, readme: bool = False, pictures: bool = False) -> Path:
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
    rows = [asdict(row) | {"ratio": row.ratio} for row in bench.rows]
    output.write_text(json.dumps({"about": about, "rows": rows, "layers": bench.layers}, indent=1))
    say(f"written to {output.relative_to(ROOT)}")
    for picture in plot(output) if pictures else []:
        say(f"drawn: {picture.relative_to(ROOT)}")
    if readme:
        write_readme(markdown(cells, about))
        say("docs/figures.md's figures table updated")
    return output
