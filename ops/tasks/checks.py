"""The checks CI job steps run: smoke, persistence-check, and the whole ci pipeline."""

from __future__ import annotations

from pathlib import Path

from invoke import Collection, Exit, task

from ops import ROOT, StackError, lifecycle
from ops.checks import container_checks, http_checks, persistence_cycles, print_result, run_checks, write_junit
from ops.console import say, step
from ops.engine import connect, published_port
from ops.settings import load_settings
from ops.tasks import ENV_HELP, reports_errors

JUNIT_HELP = "Also write the results as JUnit XML to this path."


def stack_url(client, settings) -> str:
    address = published_port(client, settings.project)
    if address is None:
        raise StackError(f"{settings.project} is not running; start it with inv up --env {settings.cli_env}")
    return f"http://{address[0]}:{address[1]}"


def smoke_results(settings=None, url=None, junit=None):
    """Run the smoke checks; container checks only for a local stack."""
    if url:
        checks = http_checks(url.rstrip("/"))
    else:
        client = connect()
        url = stack_url(client, settings)
        checks = http_checks(url) + container_checks(client, settings)
    say(f"smoke checks against {url}")
    results = run_checks(checks, show=print_result)
    if junit:
        write_junit(Path(junit), "smoke", results)
    return results


@task(help={"env": ENV_HELP, "url": "Check this deployment over HTTP only, instead of the local stack.", "junit": JUNIT_HELP})
@reports_errors
def smoke(c, env=None, url=None, junit=None):
    """Check a running stack: endpoints, a data round trip, and its containers' hardening."""
    results = smoke_results(None if url else load_settings(env), url, junit)
    failed = [r.name for r in results if not r.ok]
    if failed:
        raise Exit(f"error: smoke failed: {', '.join(failed)}", code=1)
    say(f"smoke passed: {len(results)} checks")


def persistence_results(c, settings, cycles, records, junit=None, keep=False):
    client = connect()
    url = stack_url(client, settings)

    def restart() -> str:
        lifecycle.down(c, settings)
        return lifecycle.up(c, settings, client, build=False).url

    say(f"persistence check on {settings.project}: {cycles} cycles of {records} records")
    results = persistence_cycles(cycles, records, restart, url, keep=keep)
    if junit:
        write_junit(Path(junit), "persistence", results)
    return results


@task(
    help={
        "env": ENV_HELP,
        "cycles": "How many write/down/up/read cycles (default 3).",
        "records": "Records written per cycle (default 5).",
        "junit": JUNIT_HELP,
        "keep": "Keep the records written instead of deleting them at the end.",
    }
)
@reports_errors
def persistence_check(c, env=None, cycles=3, records=5, junit=None, keep=False):
    """Prove data survives down and up: write records, restart the stack, read them back."""
    results = persistence_results(c, load_settings(env), int(cycles), int(records), junit, keep)
    if not results or not all(r.ok for r in results):
        raise Exit("error: persistence check failed: records written before down were not all read back after up", code=1)
    say(f"persistence check passed: {len(results)} cycles")


@task(
    help={
        "env": ENV_HELP + " (ci by default here)",
        "reports": "Folder for the JUnit reports (default reports/).",
        "cycles": "Persistence cycles (default 2).",
    }
)
@reports_errors
def ci(c, env="ci", reports="reports", cycles=2):
    """Run the CI pipeline: build, up, smoke, persistence-check; always down and clean (volumes too)."""
    settings = load_settings(env)
    client = connect()
    folder = (ROOT / reports) if not Path(reports).is_absolute() else Path(reports)
    failure = None
    try:
        lifecycle.build(c, settings, client)
        lifecycle.up(c, settings, client, build=False)
        if not all(r.ok for r in smoke_results(settings, junit=folder / "smoke.xml")):
            failure = "smoke failed"
        elif not all(r.ok for r in persistence_results(c, settings, int(cycles), 3, junit=folder / "persistence.xml")):
            failure = "persistence check failed"
    finally:
        # The ci project is ephemeral: it leaves no container, network, volume or built image.
        with step("cleaning up the ci stack"):
            lifecycle.clean(c, settings, volumes=True)
    if failure:
        raise Exit(f"error: ci: {failure}; reports in {folder}", code=1)
    say(f"ci passed; reports in {folder}")


ns = Collection(smoke, persistence_check, ci)
