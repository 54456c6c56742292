"""Named check results: run, printed one line each, and written as JUnit XML for CI."""

from __future__ import annotations

import tarfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from fastapi_stackops import StackError
from fastapi_stackops.console import say
from fastapi_stackops.lazy import docker, requests

#: A check: its name, and a body returning a detail line (or raising to fail).
Check = tuple[str, Callable[[], str | None]]


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str = ""
    seconds: float = 0.0
    fix: str = ""


class CheckFailed(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def run_check(name: str, body: Callable[[], str | None]) -> CheckResult:
    """Run one check; an assertion, request, engine or hook error fails it with its message, as does a system's error
    reading what the engine sends (a full disk, a cut stream): a failed check, never a traceback."""
    start = time.monotonic()
    try:
        detail = body() or ""
        return CheckResult(name, True, detail, time.monotonic() - start)
    except (
        CheckFailed,
        StackError,
        AssertionError,
        requests.RequestException,
        docker.errors.DockerException,
        ValueError,
        KeyError,
        OSError,
        tarfile.TarError,
    ) as error:
        message = str(error).splitlines()[0][:600] if str(error) else type(error).__name__
        return CheckResult(name, False, message, time.monotonic() - start)


def run_checks(checks: Iterable[Check], show: Callable[[CheckResult], None] | None = None) -> list[CheckResult]:
    results = []
    for name, body in checks:
        result = run_check(name, body)
        results.append(result)
        if show:
            show(result)
    return results


def print_result(result: CheckResult) -> None:
    mark = "ok  " if result.ok else "FAIL"
    timing = f"{result.seconds * 1000:7.0f} ms" if result.seconds else ""
    say(f"  {mark} {result.name:<36} {timing}  {result.detail}".rstrip())
    if result.fix and not result.ok:
        say(f"       fix: {result.fix}")


def write_junit(path: Path, suite: str, results: list[CheckResult]) -> None:
    """JUnit XML, as CI systems show test reports: one testcase per check."""
    path.parent.mkdir(parents=True, exist_ok=True)
    failures = sum(not r.ok for r in results)
    root = ET.Element("testsuites", tests=str(len(results)), failures=str(failures))
    element = ET.SubElement(
        root,
        "testsuite",
        name=suite,
        tests=str(len(results)),
        failures=str(failures),
        errors="0",
        time=f"{sum(r.seconds for r in results):.3f}",
    )
    for result in results:
        case = ET.SubElement(element, "testcase", classname=suite, name=result.name, time=f"{result.seconds:.3f}")
        if not result.ok:
            ET.SubElement(case, "failure", message=result.detail).text = result.detail
        elif result.detail:
            ET.SubElement(case, "system-out").text = result.detail
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
