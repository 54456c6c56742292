"""Machine tasks: diagnosis, linting, base images, provisioning the engine."""

from __future__ import annotations

import os
import sys

from invoke import Collection

from fastapi_stackops import PACKAGE_DIR, StackError
from fastapi_stackops.commands import run
from fastapi_stackops.console import say, step
from fastapi_stackops.lazy import lazy_import
from fastapi_stackops.tasks.shared import ENV_HELP, open_stack, stack_task

compose = lazy_import("fastapi_stackops.compose")
baseimages = lazy_import("fastapi_stackops.baseimages")
contract = lazy_import("fastapi_stackops.contract")
doctor_checks = lazy_import("fastapi_stackops.checks.doctor")
kubernetes = lazy_import("fastapi_stackops.ship.kubernetes")
project = lazy_import("fastapi_stackops.project")
repository = lazy_import("fastapi_stackops.repository")
report = lazy_import("fastapi_stackops.checks.results")
settings = lazy_import("fastapi_stackops.settings")


@stack_task(help={"env": ENV_HELP})
def doctor(c, env=None):
    """Diagnose this machine for the stack: engine, Compose, BuildKit, base images, CA, ports."""
    findings = doctor_checks.diagnose(env)
    for finding in findings:
        report.print_result(finding)
    failed = [f.name for f in findings if not f.ok]
    if failed:
        raise StackError(f"doctor found {len(failed)} problem(s): {', '.join(failed)}")
    say("doctor: all good")


@stack_task
def lint(c):
    """Lint every env's Compose files, every Dockerfile the stack builds, the Kubernetes overlays, the contract's commands."""
    config = contract.load_project()
    repository.check_env_files_tracked(config)
    dockerfiles = set()
    for env in settings.available_envs(config):
        stack = open_stack(env, config)
        unset = settings.unset_required(stack.settings)  # secrets of an overlay this checkout lacks: placeholders
        with step(f"docker compose config ({env})" + (f", {len(unset)} unset secret(s) as placeholders" if unset else "")):
            compose.config_json(stack.settings, unset)  # no engine needed, so none is reached (a server's)
        dockerfiles |= {s.dockerfile for s in compose.render(stack.settings, unset).services.values() if s.dockerfile}
    for dockerfile in sorted(dockerfiles):
        with step(f"hadolint {project.display(dockerfile)}"):
            run(["hadolint", "--failure-threshold", "warning", str(dockerfile)])
    for directory in config.kubernetes:
        with step(f"kubectl kustomize {directory} | kubernetes-validate --strict"):
            kubernetes.validate_overlay(config.root / directory)
    for command in config.lint:
        with step(command):
            run(command)


@stack_task(help={"env": ENV_HELP})
def images(c, env=None):
    """Make the base images available: pull them, or build local substitutes once."""
    stack = open_stack(env)
    chosen = stack.base_images
    for variable, ref in chosen.items():
        say(f"  {variable}={ref}")


@stack_task(
    help={
        "path": "The repository (default: this folder).",
        "dry_run": "Print what would be written, as diffs; write nothing.",
        "force": "Overwrite files that differ from what init would write.",
        "app": "The app as module:attribute (module:function() for a factory).",
        "health": "The health path, instead of the one read from the app's routes.",
        "python": "The Python version of the image (3.11, 3.13, ...).",
        "database": "postgres, sqlite or none, instead of what the dependencies say.",
        "set_": "NAME=VALUE: a variable the app needs that init cannot read from its code (repeatable).",
    },
    iterable=["set_"],
)
def init(c, path=".", dry_run=False, force=False, app="", health="", python="", database="", set_=None):
    """Read a FastAPI repository and write what the workflow needs (as `fastapi-stackops init`)."""
    from fastapi_stackops.adopt.init_command import parser, run_init

    flags = ["init", path] + (["--dry-run"] if dry_run else []) + (["--force"] if force else [])
    for name, value in (("--app", app), ("--health", health), ("--python", python), ("--database", database)):
        flags += [name, value] if value else []
    for pair in set_ or []:
        flags += ["--set", pair]
    run_init(parser().parse_args(flags))


@stack_task
def provision(c):
    """Make a Docker engine and Compose v2 answer on this machine (installs them as root on Debian/Ubuntu)."""
    # This environment's pip fetches Compose when it is missing.
    run(["bash", str(PACKAGE_DIR / "provision-engine.sh")], env={**os.environ, "STACKOPS_PYTHON": sys.executable})


ns = Collection(doctor, lint, images, init, provision)
