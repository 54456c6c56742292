"""The checks CI job steps run: smoke, persistence-check, service-test, and the whole ci pipeline."""

from __future__ import annotations

from invoke import Collection

from fastapi_stackops import StackError
from fastapi_stackops.console import say
from fastapi_stackops.lazy import lazy_import
from fastapi_stackops.tasks.shared import BUILD_CACHE_HELP, ENV_HELP, count, interactive, open_stack, stack_task

ci_run = lazy_import("fastapi_stackops.checks.ci")
contract = lazy_import("fastapi_stackops.contract")
persistence = lazy_import("fastapi_stackops.checks.persistence")
service_tests = lazy_import("fastapi_stackops.service_tests")
smoke_checks = lazy_import("fastapi_stackops.checks.smoke")

JUNIT_HELP = "Also write the results as JUnit XML to this path."


@stack_task(
    help={
        "env": ENV_HELP,
        "url": "Check the entry service at this URL over HTTP only, instead of the local stack.",
        "junit": JUNIT_HELP,
    }
)
def smoke(c, env=None, url=None, junit=None):
    """Check a running stack: every service's probes and health, and its containers' hardening."""
    results = smoke_checks.smoke_results(None if url else open_stack(env), url, junit)
    failed = [r.name for r in results if not r.ok]
    if failed:
        raise StackError(f"smoke failed: {', '.join(failed)}")
    say(f"smoke passed: {len(results)} checks")


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
    results = persistence.persistence_results(open_stack(env), cycles, records, junit, keep)
    if not results or not all(r.ok for r in results):
        raise StackError("persistence check failed: records written before down were not all read back after up")
    say(f"persistence check passed: {len(results)} cycles")


@stack_task(name="service-test", help={"env": ENV_HELP})
def service_test(c, env=None):
    """Run the service's own tests in its test image, against the stack's database."""
    service_tests.run_service_tests(open_stack(env), interactive())


@stack_task(
    help={
        "env": ENV_HELP + " (default: the contract's ci-env)",
        "reports": "Folder for the JUnit reports (default reports/ in the project).",
        "cycles": "Persistence cycles (default 2).",
        "build_cache": BUILD_CACHE_HELP,
    }
)
def ci(c, env=None, reports="reports", cycles=None, build_cache=None):
    """Run the CI pipeline: build, up, service tests, smoke, persistence-check; always clean (volumes too)."""
    cycles = count(cycles or 2, "cycles")
    config = contract.load_project()
    cache = config.root / build_cache if build_cache else None
    stack = open_stack(env or config.ci_env, config)
    ci_run.run_ci(stack, config, config.root / reports, cycles, interactive(), cache)


ns = Collection(smoke, persistence_check, service_test, ci)
