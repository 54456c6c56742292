"""The build section: image size, cold build and rebuild, ours against four alternatives from the same base."""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

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
    figures = measure_builds(
        bench, "build", Built(ws, args, ws / "app/routers/notes.py", str(stack.settings.ca_bundle or "")), variants
    )
    build_rows(bench, figures)


@dataclass(frozen=True)
class Built:
    """What every variant of one app is built from: the context, the base images' arguments, the file a one-line change
    edits, and the CA bundle the build trusts ("" for none)."""

    context: Path
    args: dict[str, str]
    edited: Path
    ca_bundle: str


#: The layers that are the code: the copy of it (app/ here, a folder under /srv for init's, the whole checkout for a
#: single stage) and its bytecode.
CODE_LAYER = re.compile(r"COPY (--\S+ )*(app/|\S+ /srv/)|compileall .*/srv")


def measure_builds(bench: Bench, name: str, built: Built, variants: dict[str, dict]) -> dict[str, tuple[float, ...]]:
    """Each variant's (cold, unchanged, one-line change, size in MB), built by Compose; its layer groups kept for --plot."""
    project = f"bench-{bench.run_id}-{name}"
    compose_file = built.context / f"bench-{name}.json"
    services = {
        variant: {
            "image": f"{project}-{variant}",
            "build": {"context": str(built.context), "args": built.args, "secrets": ["ca_bundle"], **spec},
        }
        for variant, spec in variants.items()
    }
    secrets = {"ca_bundle": {"file": built.ca_bundle or "/dev/null"}}
    compose_file.write_text(json.dumps({"services": services, "secrets": secrets}))
    compose = ["docker", "compose", "--project-name", project, "--file", str(compose_file), "build"]
    figures = {}
    try:
        for variant in variants:
            with step(f"building {variant}: cold, unchanged, after a one-line change"):
                cold = timed([*compose, "--no-cache", variant], built.context)
                unchanged = timed([*compose, variant], built.context)
                one_line = statistics.median(edited_build(built, [*compose, variant]) for _ in range(3))  # one is noise here
                image = bench.client.images.get(f"{project}-{variant}")
            figures[variant] = (cold, unchanged, one_line, image.attrs["Size"] / 1e6)
            bench.layers[f"{name}: {variant}"] = layer_groups(
                bench.client, image, {v for k, v in built.args.items() if k.endswith("_BASE")}
            )
    finally:
        compose_file.unlink()
        for variant in variants:
            subprocess.run(["docker", "image", "rm", "-f", f"{project}-{variant}"], capture_output=True)
    return figures


def edited_build(built: Built, command: list[str]) -> float:
    """A build's seconds after a one-line change to the app's code."""
    append_line(built.edited, f"# bench edit {uuid.uuid4().hex}")
    return timed(command, built.context)


def layer_groups(client, image, bases: set[str]) -> dict[str, float]:
    """MB of an image by layer group: the base's (the base image whose layers begin the image's), the code's, and the
    rest: the dependencies (and what builds them, in a single stage)."""
    layers = image.attrs["RootFS"]["Layers"]
    below = [client.images.get(base) for base in bases]
    base = max(
        (b for b in below if layers[: len(b.attrs["RootFS"]["Layers"])] == b.attrs["RootFS"]["Layers"]),
        key=lambda b: len(b.attrs["RootFS"]["Layers"]),
        default=None,
    )
    base_size = base.attrs["Size"] / 1e6 if base else 0.0
    code = sum(entry["Size"] / 1e6 for entry in client.api.history(image.id) if CODE_LAYER.search(entry["CreatedBy"]))
    total = image.attrs["Size"] / 1e6
    return {"base": base_size, "dependencies": total - base_size - code, "code": code}


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
