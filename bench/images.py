"""The images section: the image init writes for three of its shapes against the single-stage pip image of the same
app from the same base (size, cold build, rebuild after a one-line change)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bench.build import Built, measure_builds
from bench.core import ROOT, Bench
from fastapi_stackops import StackError
from fastapi_stackops.console import step
from fastapi_stackops.engine import image_exists
from fastapi_stackops.settings import system_ca_bundle
from fastapi_stackops.substitutes import plan_substitute
from tests.utils import bare_repository

#: A uv lock with a src layout; poetry with a compiled dependency (asyncpg's wheel); a requirements file whose psycopg2
#: compiles from source: each with the Debian packages the single-stage image needs to build it.
SHAPES = {"uv-src-factory": "", "poetry-asyncpg-alembic": "", "requirements-psycopg2-sync": "gcc libc6-dev libpq-dev"}
SINGLE_STAGE = ROOT / "bench/dockerfiles/single-stage-pip-any.Dockerfile"


def bench_images(bench: Bench) -> None:
    """Per shape: init's image against single-stage pip, in size (target at most 0.7x) and build times."""
    for shape, packages in SHAPES.items():
        repo = adopted(bench, shape)
        arguments = {**base_arguments(bench, repo), "SYSTEM_PACKAGES": packages}
        built = Built(repo, arguments, edited_code_file(repo), ca_bundle())
        variants = {"init": {"dockerfile": str(repo / "Dockerfile")}, "single-stage-pip": {"dockerfile": str(SINGLE_STAGE)}}
        with step(f"{shape}: init's image against single-stage pip"):
            figures = measure_builds(bench, shape, built, variants)
        (cold, _, one_line, size), pip = figures["init"], figures["single-stage-pip"]
        bench.add("images", f"{shape}: image size", size, "MB", "single-stage pip", pip[3], "<= 0.7x", size <= 0.7 * pip[3])
        bench.add("images", f"{shape}: cold build", cold, "s", "single-stage pip", pip[0])
        target = one_line <= 0.05 * cold
        bench.add(
            "images", f"{shape}: rebuild after a one-line change", one_line, "s", "its cold build", cold, "<= 0.05x", target
        )
        bench.add("images", f"{shape}: rebuild after a one-line change", one_line, "s", "single-stage pip's", pip[2])


def adopted(bench: Bench, shape: str) -> Path:
    """A fresh copy of a bare shape that `fastapi-stackops init` adopted."""
    repo = bare_repository(shape, bench.workspace / "images")
    result = subprocess.run([sys.executable, "-m", "fastapi_stackops.cli", "init", str(repo)], capture_output=True, text=True)
    if result.returncode != 0:
        raise StackError(f"bench: fastapi-stackops init on {shape} failed:\n{(result.stdout + result.stderr)[-3000:]}")
    return repo


def base_arguments(bench: Bench, repo: Path) -> dict[str, str]:
    """The Dockerfile's base images as its build on this engine gets them: the official one if present, else the
    substitutes init's trial build made."""
    official = re.search(r"^ARG PYTHON_BASE=(\S+)", (repo / "Dockerfile").read_text(), re.M).group(1)
    if image_exists(bench.client, official) is not None:
        return {"PYTHON_BASE": official, "PYTHON_RUNTIME_BASE": official}
    return {
        "PYTHON_BASE": plan_substitute("python", official).tag,
        "PYTHON_RUNTIME_BASE": plan_substitute("python-runtime", official).tag,
    }


def edited_code_file(repo: Path) -> Path:
    """A Python file of the code the image copies (not its tests): where a one-line change goes."""
    copied = re.findall(r"^COPY (\S+) /srv/", (repo / "Dockerfile").read_text().split("\nFROM runtime-base\n")[-1], re.M)
    return next(path for folder in copied for path in sorted((repo / folder).rglob("*.py")) if "test" not in path.name)


def ca_bundle() -> str:
    """The CA bundle the builds trust: this machine's, as init's env files ask (BUILD_CA_BUNDLE=system)."""
    return str(system_ca_bundle() or "")
