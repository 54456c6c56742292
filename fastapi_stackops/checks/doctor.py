"""`inv doctor`: what this machine has and lacks for the stack, each problem with its fix."""

from __future__ import annotations

import shutil

from fastapi_stackops import StackError
from fastapi_stackops.baseimages import choice, mirror_for, needed_base_images
from fastapi_stackops.checks.results import CheckResult
from fastapi_stackops.compose import ComposeModel
from fastapi_stackops.compose_program import require_compose_v2
from fastapi_stackops.engine import connect, engine_endpoint, engine_version
from fastapi_stackops.lazy import docker
from fastapi_stackops.ports import port_problems, published_by
from fastapi_stackops.repository import check_env_files_tracked
from fastapi_stackops.settings import StackSettings, extra_system_cas, load_settings
from fastapi_stackops.stack import Stack

PROVISION = "inv provision"


def engine_findings() -> tuple[docker.DockerClient | None, list[CheckResult]]:
    try:
        client = connect(timeout=10)
    except StackError as error:
        return None, [CheckResult("engine", False, str(error).split(";")[0], fix=PROVISION)]
    version, api = engine_version(client)
    major = int(version.split(".")[0]) if version.split(".")[0].isdigit() else 0
    chosen_by, address = engine_endpoint()
    return client, [
        CheckResult("engine", True, f"Docker {version}, API {api}, at {address} (from {chosen_by})"),
        CheckResult(
            "BuildKit",
            major >= 19,
            f"engine {version}: Compose builds with the engine's BuildKit (RUN --mount, secrets)",
            fix="" if major >= 19 else "upgrade the engine to 19.03 or newer",
        ),
    ]


def compose_finding() -> CheckResult:
    try:
        return CheckResult("Compose v2", True, f"docker compose {require_compose_v2()}")
    except StackError as error:
        problem, _, fix = str(error).partition("; ")
        return CheckResult("Compose v2", False, problem, fix=fix or PROVISION)


def base_image_findings(settings: StackSettings, model: ComposeModel, client: docker.DockerClient) -> list[CheckResult]:
    """Each base image as `inv up` would make it available: present, or buildable or pullable."""
    findings = []
    for image in needed_base_images(settings, model):
        name = f"base image {image.variable}"
        chosen = choice(image, settings, client)
        if chosen == "official":
            findings.append(CheckResult(name, True, f"{image.official} present"))
        elif chosen == "substitute":
            findings.append(CheckResult(name, True, f"local substitute {image.local} present"))
        else:
            # Missing, or built from an older recipe: either way inv up builds (or pulls) it.
            mirror = mirror_for(settings)
            buildable = bool(image.recipe and shutil.which("mmdebstrap") and mirror)
            findings.append(
                CheckResult(
                    name,
                    buildable or settings.base_images == "registry",
                    f"not present; {'buildable from ' + mirror if buildable else 'pull only'} ({settings.base_images})",
                    fix="" if buildable else "apt-get install mmdebstrap, or set DEBIAN_MIRROR, or BASE_IMAGES=registry",
                )
            )
    return findings


def ca_finding(settings: StackSettings) -> CheckResult:
    if settings.ca_bundle:
        return CheckResult("build CA", True, f"builds trust {settings.ca_bundle}")
    extra = extra_system_cas()
    return CheckResult(
        "build CA",
        extra == 0,
        f"{extra} CAs trusted by this system but not by pip" if extra else "pip's own CAs suffice",
        fix="" if extra == 0 else f"set BUILD_CA_BUNDLE=system in {settings.env_file} (a TLS-intercepting proxy?)",
    )


def port_findings(stack: Stack, client: docker.DockerClient | None) -> list[CheckResult]:
    model = stack.model
    published = [(name, b) for name in model.active for b in model.services[name].ports]
    ours = published_by(stack.containers()) if client else set()
    problems = port_problems(stack.settings, model, ours, client)
    if problems:
        return [CheckResult("ports", False, problem.split("; ")[0], fix=problem.split("; ", 1)[-1]) for problem in problems]
    listed = ", ".join(f"{name} {b.host_ip}:{b.published or 'auto'}" for name, b in published) or "none published"
    return [CheckResult("ports", True, f"free or this stack's: {listed}")]


def diagnose(env: str | None) -> list[CheckResult]:
    """Every finding, in order: env files, engine, Compose, the stack's files, base images, CA, ports."""
    try:
        settings: StackSettings | None = load_settings(env)
        check_env_files_tracked(settings.config)
        findings = [CheckResult("env files", True, ", ".join(p.name for p in settings.files))]
    except StackError as error:
        problem, _, fix = str(error).partition("; ")
        settings, findings = None, [CheckResult("env files", False, problem, fix=fix or "fix the line it names")]
    client, engine = engine_findings()
    findings += engine
    findings.append(compose_finding())
    if settings is None:
        return findings
    stack = Stack(settings, client)
    try:
        model = stack.model
    except StackError as error:
        return findings + [CheckResult("compose files", False, str(error))]
    if client:
        findings += base_image_findings(settings, model, client)
    findings.append(ca_finding(settings))
    return findings + port_findings(stack, client)
