"""The build section: image size, cold build and rebuild, ours against four alternatives from the same base."""

from __future__ import annotations

import json
import subprocess
import uuid

from bench.core import ROOT, Bench, append_line, env_file, timed
from fastapi_stackops.baseimages import ensure_base_images
from fastapi_stackops.console import step
from fastapi_stackops.settings import load_settings
from fastapi_stackops.stack import Stack


def bench_build(bench: Bench) -> None:
    """Cold build, rebuild after a one-line change, and size: ours against four alternatives from the same base."""
    ws = bench.workspace
    stack = Stack(load_settings(str(env_file(bench, "build", "dev"))), bench.client)
    bases = ensure_base_images(stack.settings, stack.model, stack.client, log=lambda _: None)
    # The runtime stage's base: ours only has one (the others are one stage, or build and run on one base).
    args = {"PYTHON_BASE": bases["PYTHON_BASE_IMAGE"], "PYTHON_RUNTIME_BASE": bases["PYTHON_RUNTIME_IMAGE"]}
    variants = {
        "single-stage-pip": {"dockerfile": str(ROOT / "bench/dockerfiles/single-stage-pip.Dockerfile")},
        "docker-init-pip": {"dockerfile": str(ROOT / "bench/dockerfiles/docker-init-pip.Dockerfile")},
        "single-stage-uv": {"dockerfile": str(ROOT / "bench/dockerfiles/single-stage-uv.Dockerfile")},
        "multi-stage-pip": {"dockerfile": str(ROOT / "bench/dockerfiles/multi-stage-pip.Dockerfile")},
        "ours": {"dockerfile": str(ws / "docker/Dockerfile"), "target": "runtime"},
    }
    project = f"bench-{bench.run_id}-build"
    compose_file = ws / "bench-build.json"
    services = {
        name: {
            "image": f"{project}-{name}",
            "build": {"context": str(ws), "args": args, "secrets": ["ca_bundle"], **spec},
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
    bench.add("build", "api image size", size, "MB", "docker init's shape", figures["docker-init-pip"][3])
    bench.add("build", "cold build", cold, "s", "single-stage pip", pip[0], "<= 0.8x", cold <= 0.8 * pip[0])
    bench.add("build", "cold build", cold, "s", "single-stage uv", figures["single-stage-uv"][0])
    bench.add("build", "cold build", cold, "s", "docker init's shape", figures["docker-init-pip"][0])
    bench.add("build", "cold build", cold, "s", "ours with pip in the builder", figures["multi-stage-pip"][0])
    bench.add(
        "build", "rebuild after a one-line change", one_line, "s", "our cold build", cold, "<= 0.05x", one_line <= 0.05 * cold
    )
    bench.add("build", "rebuild after a one-line change", one_line, "s", "single-stage pip's", pip[2])
    bench.add("build", "rebuild with nothing changed", unchanged, "s", "our cold build", cold)
