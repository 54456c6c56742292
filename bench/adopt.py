"""The init section: `fastapi-stackops init` on bare repositories, its own work against the image build it waits for."""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import time

from bench.core import Bench
from fastapi_stackops import StackError
from fastapi_stackops.console import step
from tests.utils import bare_repository

#: Two shapes at the ends of what init reads: a uv lock with a src layout, pins it asks the index about.
SHAPES = ("uv-src-factory", "requirements-psycopg2-sync")
BUILD = re.compile(r"building \S+ image to read the app's routes from it: done in ([\d.]+)s")


def timed_init(bench: Bench, shape: str, copy: int) -> tuple[float, float]:
    """Seconds `fastapi-stackops init` takes on a fresh copy of a bare shape, and the image build's share of them."""
    folder = bench.workspace / "bare" / str(copy)
    folder.mkdir(parents=True)
    repo = bare_repository(shape, folder)
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "fastapi_stackops.cli", "init", str(repo)], capture_output=True, text=True)
    seconds = time.monotonic() - start
    built = BUILD.search(result.stdout)
    if result.returncode != 0 or not built:
        raise StackError(f"bench: fastapi-stackops init on {shape} failed:\n{(result.stdout + result.stderr)[-3000:]}")
    return seconds, float(built.group(1))


def bench_init(bench: Bench) -> None:
    """What init adds to the one image build it needs to read the routes (the target is under 10 s), median of three."""
    copies = iter(range(100))
    for shape in SHAPES:
        with step(f"fastapi-stackops init on {shape}, three fresh copies"):
            runs = [timed_init(bench, shape, next(copies)) for _ in range(3)]
        own = statistics.median(seconds - build for seconds, build in runs)
        build = statistics.median(build for _, build in runs)
        bench.add("init", f"{shape}: init without the build", own, "s", "its image build", build, "< 10 s", own < 10)
