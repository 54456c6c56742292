"""Machine tasks: diagnosis, linting, base images, provisioning the engine."""

from __future__ import annotations

import os
import sys

from invoke import Collection

from stackops import PACKAGE_DIR, StackError
from stackops.baseimages import ensure_base_images
from stackops.commands import run
from stackops.console import say, step
from stackops.contract import load_project
from stackops.doctor import diagnose
from stackops.kubernetes import validate_overlay
from stackops.project import display
from stackops.repository import check_env_files_tracked
from stackops.results import print_result
from stackops.settings import available_envs
from stackops.stack import Stack
from stackops.tasks import ENV_HELP, stack_task


@stack_task(help={"env": ENV_HELP})
def doctor(c, env=None):
    """Diagnose this machine for the stack: engine, Compose, BuildKit, base images, CA, ports."""
    findings = diagnose(env)
    for finding in findings:
        print_result(finding)
    failed = [f.name for f in findings if not f.ok]
    if failed:
        raise StackError(f"doctor found {len(failed)} problem(s): {', '.join(failed)}")
    say("doctor: all good")


@stack_task
def lint(c):
    """Lint every env's Compose files, every Dockerfile the stack builds, the Kubernetes overlays, the contract's commands."""
    config = load_project()
    check_env_files_tracked(config)
    dockerfiles = set()
    for env in available_envs(config):
        stack = Stack.of_env(env, config)
        with step(f"docker compose config ({env})"):
            stack.compose(["config", "--quiet"])
        dockerfiles |= {s.dockerfile for s in stack.model.services.values() if s.dockerfile}
    for dockerfile in sorted(dockerfiles):
        with step(f"hadolint {display(dockerfile)}"):
            run(["hadolint", "--failure-threshold", "warning", str(dockerfile)])
    for directory in config.kubernetes:
        with step(f"kubectl kustomize {directory} | kubernetes-validate --strict"):
            validate_overlay(config.root / directory)
    for command in config.lint:
        with step(command):
            run(command)


@stack_task(help={"env": ENV_HELP})
def images(c, env=None):
    """Make the base images available: pull them, or build local substitutes once."""
    stack = Stack.of_env(env)
    chosen = ensure_base_images(stack.settings, stack.model, stack.client)
    for variable, ref in chosen.items():
        say(f"  {variable}={ref}")


@stack_task
def provision(c):
    """Make a Docker engine and Compose v2 answer on this machine (installs them as root on Debian/Ubuntu)."""
    # This environment's pip fetches Compose when it is missing.
    run(["bash", str(PACKAGE_DIR / "provision-engine.sh")], env={**os.environ, "STACKOPS_PYTHON": sys.executable})


ns = Collection(doctor, lint, images, provision)
