"""The checks CI job steps run: smoke, persistence-check, service-test, and the whole ci pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from invoke import Collection

from fastapi_stackops import StackError
from fastapi_stackops.console import say, step
from fastapi_stackops.lazy import lazy_import
from fastapi_stackops.tasks.shared import ENV_HELP, count, interactive, open_stack, stack_task

if TYPE_CHECKING:
    from fastapi_stackops.checks.results import Check
    from fastapi_stackops.stack import Stack

baseimages = lazy_import("fastapi_stackops.baseimages")
containers = lazy_import("fastapi_stackops.checks.containers")
contract = lazy_import("fastapi_stackops.contract")
lifecycle = lazy_import("fastapi_stackops.lifecycle")
persistence = lazy_import("fastapi_stackops.checks.persistence")
probes = lazy_import("fastapi_stackops.checks.probes")
report = lazy_import("fastapi_stackops.checks.results")
service_tests = lazy_import("fastapi_stackops.service_tests")
failure_bundle = lazy_import("fastapi_stackops.failure_bundle")

JUNIT_HELP = "Also write the results as JUnit XML to this path."


def unreachable(message: str):
    def fail():
        raise report.CheckFailed(message)

    return fail


def stack_checks(stack: Stack) -> list[Check]:
    """HTTP checks of every service the contract describes, then the container checks of every service."""
    checks: list[Check] = []
    for name in stack.model.active:
        service = stack.config.service(name)
        if not service.is_http:
            continue
        try:
            url = stack.url(name)
        except StackError as error:
            checks.append((f"{name}: reachable", unreachable(str(error))))
            continue
        checks += probes.service_checks(url, service, stack.config)
    if baseimages.PROXY_SERVICE in stack.model.active:
        checks.append(proxy_check(stack))
    return checks + containers.container_checks(stack)


def proxy_check(stack: Stack) -> Check:
    """A server's proxy sends the entry's health path on to a container that answers it: the stable address works."""
    entry = stack.config.service(stack.config.entry)
    path = entry.health or "/"
    name = f"{baseimages.PROXY_SERVICE}: {entry.name} answers {path} through it"
    try:
        return (name, probes.answers(stack.url(baseimages.PROXY_SERVICE), path))
    except StackError as error:
        return (name, unreachable(str(error)))


def smoke_results(stack: Stack | None = None, url=None, junit=None):
    """Run the smoke checks; for a URL, only the entry service's HTTP checks."""
    if url:
        config = contract.load_project()
        checks = probes.service_checks(url.rstrip("/"), config.service(config.entry), config)
        say(f"smoke checks against {url}")
    else:
        checks = stack_checks(stack)
        say(f"smoke checks on {stack.project} ({stack.settings.env})")
    results = report.run_checks(checks, show=report.print_result)
    if junit:
        report.write_junit(Path(junit), "smoke", results)
    return results


@stack_task(
    help={
        "env": ENV_HELP,
        "url": "Check the entry service at this URL over HTTP only, instead of the local stack.",
        "junit": JUNIT_HELP,
    }
)
def smoke(c, env=None, url=None, junit=None):
    """Check a running stack: every service's probes and health, and its containers' hardening."""
    results = smoke_results(None if url else open_stack(env), url, junit)
    failed = [r.name for r in results if not r.ok]
    if failed:
        raise StackError(f"smoke failed: {', '.join(failed)}")
    say(f"smoke passed: {len(results)} checks")


def persistence_results(stack: Stack, cycles, records, junit=None, keep=False):
    scenario = stack.config.persistence
    if scenario is None:
        raise StackError(f"{stack.config.where('persistence')}: no persistence scenario is declared; add the table")
    url = stack.url(scenario.service)

    def restart() -> str:
        lifecycle.down(stack)
        lifecycle.up(stack, build=False)
        return stack.url(scenario.service)

    say(f"persistence check on {stack.project}: {cycles} cycles of {records} records")
    writer = persistence.scenario_writer(scenario, stack.config)
    results = persistence.persistence_cycles(
        cycles, records, restart, url, writer, keep=keep, patience=stack.settings.wait_timeout
    )
    if junit:
        report.write_junit(Path(junit), "persistence", results)
    return results


@stack_task(
    help={
        "env": ENV_HELP,
        "cycles": "How many write/down/up/read cycles (default 3).",
        "records": "Records written per cycle (default 5).",
        "junit": JUNIT_HELP,
        "keep": "Keep the records written instead of deleting them at the end.",
    }
)
def persistence_check(c, env=None, cycles=None, records=None, junit=None, keep=False):
    """Prove data survives down and up: write records, restart the stack, read them back."""
    # Parsed here, not by Invoke: a typo gets one line, not Invoke's traceback.
    cycles, records = count(cycles or 3, "cycles"), count(records or 5, "records")
    results = persistence_results(open_stack(env), cycles, records, junit, keep)
    if not results or not all(r.ok for r in results):
        raise StackError("persistence check failed: records written before down were not all read back after up")
    say(f"persistence check passed: {len(results)} cycles")


@stack_task(name="service-test", help={"env": ENV_HELP})
def service_test(c, env=None):
    """Run the service's own tests in its test image, against the stack's database."""
    service_tests.run_service_tests(open_stack(env), interactive())


def skipped_steps(config) -> list[str]:
    """The steps ci leaves out for this project, each with why and what would bring it back."""
    skipped = [] if config.service_tests else ["service tests: no service-tests in [tool.stackops] (a test image's service)"]
    if not config.persistence:
        skipped.append("persistence-check: no [tool.stackops.persistence] scenario (a write and a read of the entry's API)")
    return skipped


@stack_task(
    help={
        "env": ENV_HELP + " (default: the contract's ci-env)",
        "reports": "Folder for the JUnit reports (default reports/ in the project).",
        "cycles": "Persistence cycles (default 2).",
    }
)
def ci(c, env=None, reports="reports", cycles=None):
    """Run the CI pipeline: build, up, service tests, smoke, persistence-check; always clean (volumes too)."""
    cycles = count(cycles or 2, "cycles")
    config = contract.load_project()
    stack = open_stack(env or config.ci_env, config)
    folder = Path(reports) if Path(reports).is_absolute() else config.root / reports
    try:
        with failure_bundle.kept_on_failure(stack, folder) as run:
            ci_steps(stack, config, run, folder, cycles)
    finally:
        # The ci project is ephemeral: it leaves no container, network, volume or built image.
        with step("cleaning up the ci stack"):
            lifecycle.clean(stack, volumes=True)
    if run.cause:
        raise StackError(f"ci: {run.cause}; reports in {folder}")
    say(f"ci passed; reports in {folder}")


def ci_steps(stack: Stack, config, run, folder: Path, cycles: int) -> None:
    """build, up, the service's tests, smoke, persistence-check: each a step of the run, until one fails."""
    run.step("build")
    lifecycle.build(stack)
    run.step("up")
    lifecycle.up(stack, build=False)
    if config.service_tests:
        run.step("service-test")
        service_tests.run_service_tests(stack, interactive())
    for skipped in skipped_steps(config):
        say(f"  skipped      {skipped}")
    run.step("smoke")
    if not all(r.ok for r in smoke_results(stack, junit=folder / "smoke.xml")):
        run.failed("smoke failed")
        return
    if config.persistence:
        run.step("persistence-check")
        if not all(r.ok for r in persistence_results(stack, cycles, 3, junit=folder / "persistence.xml")):
            run.failed("persistence check failed")


ns = Collection(smoke, persistence_check, service_test, ci)
