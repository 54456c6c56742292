"""`inv smoke`: every service's probes and health, a server's proxy, and every container's checks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fastapi_stackops import StackError
from fastapi_stackops.baseimages import PROXY_SERVICE
from fastapi_stackops.checks import containers, probes
from fastapi_stackops.checks import results as report
from fastapi_stackops.console import say
from fastapi_stackops.contract import load_project
from fastapi_stackops.diagnosis import said_by_the_service

if TYPE_CHECKING:
    from fastapi_stackops.checks.results import Check
    from fastapi_stackops.stack import Stack


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
    if PROXY_SERVICE in stack.model.active:
        checks.append(proxy_check(stack))
    return checks + containers.container_checks(stack)


def proxy_check(stack: Stack) -> Check:
    """A server's proxy sends the entry's health path on to a container that answers it: the stable address works."""
    entry = stack.config.service(stack.config.entry)
    path = entry.health or "/"
    name = f"{PROXY_SERVICE}: {entry.name} answers {path} through it"
    try:
        return (name, probes.answers(stack.url(PROXY_SERVICE), path))
    except StackError as error:
        return (name, unreachable(str(error)))


def smoke_results(stack: Stack | None = None, url=None, junit=None):
    """Run the smoke checks; for a URL, only the entry service's HTTP checks."""
    if url:
        config = load_project()
        checks = probes.service_checks(url.rstrip("/"), config.service(config.entry), config)
        say(f"smoke checks against {url}")
    else:
        checks = stack_checks(stack)
        say(f"smoke checks on {stack.project} ({stack.settings.env})")
    results = report.run_checks(checks, show=report.print_result)
    if stack:
        said_by_the_service(stack, stack.config.entry, results)
    if junit:
        report.write_junit(Path(junit), "smoke", results)
    return results
