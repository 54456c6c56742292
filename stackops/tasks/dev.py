"""Machine tasks: diagnosis, linting, base images, provisioning the engine."""

from __future__ import annotations

import sys

from invoke import Collection, Exit, task

from stackops import PACKAGE_DIR
from stackops.baseimages import ensure_base_images
from stackops.compose import render, run_compose
from stackops.console import say, step
from stackops.contract import load_project
from stackops.doctor import diagnose
from stackops.engine import connect
from stackops.kubernetes import validate_overlay
from stackops.project import display
from stackops.repository import check_env_files_tracked
from stackops.results import print_result
from stackops.settings import available_envs, load_settings
from stackops.tasks import ENV_HELP, reports_errors


@task(help={"env": ENV_HELP})
@reports_errors
def doctor(c, env=None):
    """Diagnose this machine for the stack: engine, Compose, BuildKit, base images, CA, ports."""
    findings = diagnose(env)
    for finding in findings:
        print_result(finding)
    failed = [f.name for f in findings if not f.ok]
    if failed:
        raise Exit(f"error: doctor found {len(failed)} problem(s): {', '.join(failed)}", code=1)
    say("doctor: all good")


@task
@reports_errors
def lint(c):
    """Lint every env's Compose files, every Dockerfile the stack builds, the Kubernetes overlays, the contract's commands."""
    config = load_project()
    check_env_files_tracked(config)
    dockerfiles = set()
    for env in available_envs(config):
        settings = load_settings(env, config)
        with step(f"docker compose config ({env})"):
            run_compose(c, settings, ["config", "--quiet"])
        model = render(settings)
        dockerfiles |= {s.dockerfile for s in model.services.values() if s.dockerfile}
    for dockerfile in sorted(dockerfiles):
        with step(f"hadolint {display(dockerfile)}"):
            c.run(f"hadolint --failure-threshold warning {dockerfile}", pty=False)
    for directory in config.kubernetes:
        with step(f"kubectl kustomize {directory} | kubernetes-validate --strict"):
            validate_overlay(config.root / directory)
    for command in config.lint:
        with step(command):
            c.run(command, pty=False)


@task(help={"env": ENV_HELP})
@reports_errors
def images(c, env=None):
    """Make the base images available: pull them, or build local substitutes once."""
    settings = load_settings(env)
    chosen = ensure_base_images(settings, render(settings), connect())
    for variable, ref in chosen.items():
        say(f"  {variable}={ref}")


@task
@reports_errors
def provision(c):
    """Make a Docker engine and Compose v2 answer on this machine (installs them as root on Debian/Ubuntu)."""
    # This environment's pip fetches Compose when it is missing.
    c.run(f"bash {PACKAGE_DIR / 'provision-engine.sh'}", pty=False, env={"STACKOPS_PYTHON": sys.executable})


ns = Collection(doctor, lint, images, provision)
