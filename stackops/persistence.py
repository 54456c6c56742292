"""Persistence: write records, restart the stack (volumes kept), read every one back.

A record is written by the contract's scenario (a write probe with a unique
{marker}, a read probe with the written {id}) or by the project's hook
`module:function(url, marker)`, which writes and returns a function that,
given the service's URL after the restart, raises unless the record is there.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from stackops.console import say
from stackops.lazy import requests
from stackops.probes import TIMEOUT, fill, run_probe
from stackops.project import Persistence, ProjectConfig
from stackops.results import CheckFailed, CheckResult, expect, print_result, run_check


@dataclass(frozen=True)
class Written:
    label: str
    check: Callable[[str], object]  # given the current URL, raises unless the record is there
    delete: Callable[[str], object] | None = None


Writer = Callable[[str, str], Written]


def scenario_writer(scenario: Persistence, config: ProjectConfig) -> Writer:
    """How to write one record and later prove it is there, from the contract."""
    if scenario.hook:
        hook = config.hook(scenario.hook)

        def write_with_hook(url: str, marker: str) -> Written:
            return Written(marker, hook(url, marker))

        return write_with_hook
    session = requests.Session()
    assert scenario.write and scenario.read  # the contract's parser insists on both

    def write(url: str, marker: str) -> Written:
        response = run_probe(session, url, scenario.write, {"marker": marker})
        if scenario.id_from == "location":
            location = response.headers.get("Location", "")
            expect(bool(location), f"{scenario.write.method} {scenario.write.path} answered no Location header")
            record_id = location.rstrip("/").rsplit("/", 1)[-1]
        else:
            body = response.json()
            expect(scenario.id_from in body, f"{scenario.write.method} {scenario.write.path} answer lacks {scenario.id_from}")
            record_id = str(body[scenario.id_from])
        values = {"marker": marker, "id": record_id}
        delete = None
        if scenario.delete:
            delete = lambda url: session.delete(url + fill(scenario.delete, values), timeout=TIMEOUT)  # noqa: E731
        return Written(record_id, lambda url: run_probe(session, url, scenario.read, values), delete)

    return write


def missing(url: str, written: list[Written]) -> list[str]:
    absent = []
    for record in written:
        try:
            record.check(url)
        except (CheckFailed, AssertionError, requests.RequestException, ValueError, KeyError) as error:
            absent.append(f"{record.label} ({str(error)[:80]})")
    return absent


def persistence_cycles(
    cycles: int, per_cycle: int, restart: Callable[[], str], url: str, write: Writer, keep: bool = False
) -> list[CheckResult]:
    """Each cycle writes records, restarts the stack (containers removed, volumes kept), reads all back.

    Only records this run wrote are deleted at the end (unless `keep`, or the scenario has no delete).
    """
    tag = uuid.uuid4().hex[:8]
    written: list[Written] = []
    results = []
    try:
        for cycle in range(1, cycles + 1):

            def one_cycle(cycle=cycle):
                nonlocal url
                written.extend(write(url, f"{tag}-{cycle}-{index}") for index in range(per_cycle))
                url = restart()
                absent = missing(url, written)
                expect(not absent, f"{len(absent)} of {len(written)} records missing after down/up: {', '.join(absent[:3])}")
                return f"{len(written)} records written so far, all read back after down and up"

            result = run_check(f"cycle {cycle}: write, down, up, read back", one_cycle)
            print_result(result)
            results.append(result)
            if not result.ok:
                break
    finally:
        deletable = [record for record in written if record.delete]
        if not keep and deletable:
            try:
                for record in deletable:
                    record.delete(url)
            except requests.RequestException:
                say(f"  (could not delete the {len(deletable)} records written, tag {tag})")
    return results
