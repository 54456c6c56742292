"""Persistence: write records, restart the stack (volumes kept), read every one back.

A record is written by the contract's scenario (a write probe with a unique
{marker}, and a unique {number} where the client chooses the id; a read probe
with the written {id} or any {field} of the write's JSON answer, nested ones as
{user.name}) or by the project's hook
`module:function(url, marker)`, which writes and returns a function that,
given the service's URL after the restart, raises unless the record is there.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi_stackops import StackError, lifecycle
from fastapi_stackops.checks.probes import QUOTED, SERVING, TIMEOUT, NotAnswering, WrongStatus, fill, run_probe
from fastapi_stackops.checks.results import CheckFailed, CheckResult, expect, print_result, run_check, write_junit
from fastapi_stackops.console import say
from fastapi_stackops.diagnosis import said_by_the_service
from fastapi_stackops.lazy import requests
from fastapi_stackops.project import Persistence, ProjectConfig
from fastapi_stackops.waiting import poll, within

if TYPE_CHECKING:
    from fastapi_stackops.stack import Stack


@dataclass(frozen=True)
class Written:
    label: str
    check: Callable[[str], object]  # given the current URL, raises unless the record is there
    delete: Callable[[str], object] | None = None


Writer = Callable[[str, str], Written]


class ScenarioRefused(StackError):
    """The scenario init guessed from the OpenAPI document is one the app refuses: no verdict on persistence."""


class _GuessRefused(Exception):
    """Raised through run_check, which judges: a refused guess is no failed check."""


def refused_guess(scenario: Persistence, refused: WrongStatus) -> _GuessRefused | None:
    """A 4xx to a guessed scenario's write: the guess was wrong (a login, a tenant, a field the document does not
    show), not the data. A declared scenario's refusal, or a 5xx, stays a failure."""
    if not (scenario.guessed and 400 <= refused.status < 500):
        return None
    return guess_declined(f"the app refused the scenario init read from its OpenAPI document ({refused})")


def guess_declined(why: str) -> _GuessRefused:
    """No verdict on a guessed scenario the app does not play as its OpenAPI document says, and what to do."""
    return _GuessRefused(f"{why}; declare a write it accepts in [tool.stackops.persistence] and remove guessed = true")


def json_path(body: Any, path: str) -> Any:
    """`user.id` of {"user": {"id": 7}} is 7; KeyError naming the path when it is not there."""
    value = body
    for key in path.split("."):
        if isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        elif isinstance(value, dict) and key in value:
            value = value[key]
        else:
            raise KeyError(path)
    return value


def answer_fields(body: Any, prefix: str = "") -> dict[str, Any]:
    """Every field of a JSON answer by its dotted path: {"user": {"id": 7}} gives user and user.id."""
    fields: dict[str, Any] = {}
    items = body.items() if isinstance(body, dict) else enumerate(body) if isinstance(body, list) else ()
    for key, value in items:
        path = f"{prefix}{key}"
        fields[path] = value
        fields.update(answer_fields(value, path + "."))
    return fields


def record_number(marker: str) -> int:
    """A positive number as unique as the record's marker, below PostgreSQL's and MySQL's INTEGER limit: an id the
    client chooses, which a fixed 1 would repeat (a primary key's duplicate on the second record)."""
    return zlib.crc32(marker.encode()) % 2_000_000_000 + 1


def written_id(response: requests.Response, body: Any, scenario: Persistence) -> Any:
    """The id of the record a write made: from its Location header, or its JSON answer's id-from."""
    what = f"{scenario.write.method} {scenario.write.path}"
    if scenario.id_from == "location":
        location = response.headers.get("Location", "")
        expect(bool(location), f"{what} answered no Location header")
        return location.rstrip("/").rsplit("/", 1)[-1]
    try:
        return json_path(body, scenario.id_from)
    except KeyError:
        said = f"{what} answer has no {scenario.id_from} (id-from): {response.text[:QUOTED]}"
        raise (guess_declined(said) if scenario.guessed else CheckFailed(said)) from None


def scenario_writer(scenario: Persistence, config: ProjectConfig) -> Writer:
    """How to write one record and later prove it is there, from the contract."""
    if scenario.hook:
        hook = config.hook(scenario.hook)

        def write_with_hook(url: str, marker: str) -> Written:
            return Written(marker, hook(url, marker))

        return write_with_hook
    session = requests.Session()
    assert scenario.write and scenario.read  # the contract's parser insists on both

    # A guessed write passes with any success: a handler answering 201 where its document says 200 wrote the record.
    probe = replace(scenario.write, status=SERVING) if scenario.guessed else scenario.write

    def write(url: str, marker: str) -> Written:
        try:
            response = run_probe(session, url, probe, {"marker": marker, "number": record_number(marker)})
        except WrongStatus as refused:
            raise refused_guess(scenario, refused) or refused from None
        try:
            body = response.json()
        except ValueError:
            body = None
        values = {**answer_fields(body), "marker": marker, "id": (record_id := written_id(response, body, scenario))}
        delete = None
        if scenario.delete:
            delete = lambda url: session.delete(url + str(fill(scenario.delete, values)), timeout=TIMEOUT)  # noqa: E731
        record = Written(str(record_id), lambda url: run_probe(session, url, scenario.read, values), delete)
        # Read at once, before any restart: a read that never gives back what was written says nothing of persistence.
        if why := read_back(url, record, within(0)):
            if delete:  # the record was written all the same: this run's to remove, as every other it wrote
                delete(url)
            said = f"{why}: not read back even before down/up, so its read does not give back what its write sent"
            raise guess_declined(said) if scenario.guessed else CheckFailed(said)
        return record

    return write


def read_back(url: str, record: Written, deadline: float) -> str | None:
    """None when the record is there; else why not. A service not answering yet is asked again until the deadline."""
    why = ""

    def asked() -> str | None:
        nonlocal why
        try:
            record.check(url)
            return "there"
        except (NotAnswering, requests.ConnectionError, requests.Timeout) as error:
            why = f"{record.label} (the service did not answer in time: {error})"
            return None  # not answering yet: ask again
        except (CheckFailed, AssertionError, requests.RequestException, ValueError, KeyError) as error:
            why = f"{record.label} ({str(error)[:QUOTED]})"
            return "answered without it"

    return None if poll(asked, deadline) == "there" else why


def missing(url: str, written: list[Written], patience: float = 0) -> list[str]:
    """The records not read back; waits up to `patience` seconds for a service that does not answer yet."""
    deadline = within(patience)
    return [reason for record in written if (reason := read_back(url, record, deadline))]


def persistence_cycles(
    cycles: int, per_cycle: int, restart: Callable[[], str], url: str, write: Writer, keep: bool = False, patience: float = 0
) -> list[CheckResult]:
    """Each cycle writes records, restarts the stack (containers removed, volumes kept), reads all back.

    Only records this run wrote are deleted at the end (unless `keep`, or the scenario has no delete).
    """
    # Letters and digits only: validators of real APIs refuse dashes (^[a-z0-9]+$).
    tag = uuid.uuid4().hex[:8]
    written: list[Written] = []
    results = []
    try:
        for cycle in range(1, cycles + 1):

            def one_cycle(cycle=cycle):
                nonlocal url
                written.extend(write(url, f"{tag}c{cycle}r{index}") for index in range(per_cycle))
                url = restart()
                absent = missing(url, written, patience)
                expect(
                    not absent, f"{len(absent)} of {len(written)} records not read back after down/up: {', '.join(absent[:3])}"
                )
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
    writer = scenario_writer(scenario, stack.config)
    try:
        results = persistence_cycles(cycles, records, restart, url, writer, keep=keep, patience=stack.settings.wait_timeout)
    except _GuessRefused as refused:
        raise ScenarioRefused(f"{stack.config.where('persistence')}: {refused}") from None
    said_by_the_service(stack, scenario.service, results)
    if junit:
        write_junit(Path(junit), "persistence", results)
    return results
