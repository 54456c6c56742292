"""`inv ci`: build, up, the service's tests, smoke, persistence-check, as one run that always cleans after itself."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fastapi_stackops import StackError, failure_bundle, lifecycle, service_tests
from fastapi_stackops.checks.persistence import ScenarioRefused, persistence_results
from fastapi_stackops.checks.smoke import smoke_results
from fastapi_stackops.console import say, step

if TYPE_CHECKING:
    from fastapi_stackops.project import ProjectConfig
    from fastapi_stackops.stack import Stack


def run_ci(stack: Stack, config: ProjectConfig, folder: Path, cycles: int, tty: bool, cache: Path | None = None) -> None:
    """The pipeline on an ephemeral stack: every step until one fails, then a clean that leaves nothing (volumes too);
    the built images saved into a build-cache folder first, when one is given."""
    try:
        with failure_bundle.kept_on_failure(stack, folder) as run:
            ci_steps(stack, config, run, folder, cycles, tty, cache)
    finally:
        # The ci project is ephemeral: it leaves no container, network, volume or built image.
        with step("cleaning up the ci stack"):
            lifecycle.clean(stack, volumes=True)
    if run.cause:
        raise StackError(f"ci: {run.cause}; reports in {folder}")
    say(f"ci passed; reports in {folder}")


def skipped_steps(config) -> list[str]:
    """The steps ci leaves out for this project, each with why and what would bring it back."""
    skipped = [] if config.service_tests else ["service tests: no service-tests in [tool.stackops] (a test image's service)"]
    if not config.persistence:
        skipped.append("persistence-check: no [tool.stackops.persistence] scenario (a write and a read of the entry's API)")
    return skipped


def ci_steps(stack: Stack, config: ProjectConfig, run, folder: Path, cycles: int, tty: bool, cache: Path | None = None) -> None:
    """build, up, the service's tests, smoke, persistence-check: each a step of the run, until one fails."""
    run.step("build")
    lifecycle.build(stack, cache=cache)
    run.step("up")
    lifecycle.up(stack, build=False)
    if config.service_tests:
        run.step("service-test")
        service_tests.run_service_tests(stack, tty)
    for skipped in skipped_steps(config):
        say(f"  skipped      {skipped}")
    run.step("smoke")
    if not run.judged(smoke_results(stack, junit=folder / "smoke.xml")):
        return
    if config.persistence:
        run.step("persistence-check")
        try:
            results = persistence_results(stack, cycles, 3, junit=folder / "persistence.xml")
        except ScenarioRefused as refused:
            run.skipped(str(refused))
            return
        run.judged(results)
