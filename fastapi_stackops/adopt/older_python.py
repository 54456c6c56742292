"""An older Python for the next try, when the trial shows the pins were made before the image's: FastAPI installed
and not importing, a dependency that does not compile for it, or a compiled one that does not load on it."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TypeVar

from fastapi_stackops.adopt.dependency_files import pyproject
from fastapi_stackops.adopt.findings import Finding
from fastapi_stackops.adopt.import_failure import Failure, briefly
from fastapi_stackops.adopt.interpreter import older_allowed
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.console import say

#: init's Setup: what a lesson changes is its repo.
Setup = TypeVar("Setup")

#: A dependency whose build from source failed, as building.py says it.
UNBUILT = re.compile(r"the dependency (\S+) failed to build from source")
#: The builder's check after the install: the framework is there and does not import on this Python.
NOT_IMPORTING = re.compile(
    r"stackops: fastapi (\S+) is installed and does not import on Python (3\.\d+)\.\d+: (.*?)(?: \(the whole log|$)"
)
#: A compiled dependency that does not load on a Python newer than its release: its module's initialisation fails
#: (psycopg2 2.8's _psycopg on 3.11: "initialization of _psycopg raised unreported exception"), or a symbol of the
#: interpreter's it was linked against is gone.
NOT_LOADING = re.compile(r"initialization of \w+ raised unreported exception|undefined symbol: _?Py")
#: A name the image's standard library no longer has, which code older than its Python imports (celery 4.4's vine:
#: "cannot import name 'formatargspec' from 'inspect' (/usr/lib/python3.11/inspect.py)"; collections.Mapping).
GONE_FROM_PYTHON = re.compile(
    r"cannot import name '\w+' from '[\w.]+' \(/usr/(?:local/)?lib/python3\.\d+/"
    r"|module '(?:collections|inspect|asyncio|typing)' has no attribute"
)


def moved_to_older(setup: Setup, why: str) -> Setup | None:
    """The setup read again for the newest older Python the project allows, said with why; None when --python named
    this one, or when the project allows none older."""
    repo = setup.repo
    older = older_allowed(repo.root, pyproject(repo.root), repo.python)
    if not older or repo.findings[0].source == "--python":
        return None
    moved = read_repository(repo.root, older)
    moved.findings[0] = Finding("python", older, why)
    say(moved.findings[0].line())
    return replace(setup, repo=replace(moved, given=repo.given))


def python_taught(setup: Setup, failure: str) -> Setup | None:
    """A framework that installed and does not import on the image's Python (FastAPI 0.68 under pydantic 1.8, locked
    in 2021, on 3.11), or a dependency that does not compile for it (httptools 0.1 under uvicorn ^0.11, resolved for
    3.11 from ranges of 2020): the next try runs the newest older Python the project allows."""
    failed, unbuilt = NOT_IMPORTING.search(failure), UNBUILT.search(failure)
    if not failed and not unbuilt:
        return None
    why = f"FastAPI {failed[1]}, as pinned, does not import on {failed[2]} ({failed[3]})" if failed else ""
    return moved_to_older(setup, f"the trial build: {why or f'{unbuilt[1]} does not compile for {setup.repo.python}'}")


def python_for_a_release(setup: Setup, failure: Failure | None) -> Setup | None:
    """A compiled dependency that built and does not load on the image's Python (Shimo-kk/todo-nextjs-fastapi's
    psycopg2 2.8.6 on 3.11, compiled from its source), or code that imports what its standard library no longer has
    (rafpang/fastapi-stripe-service's celery 4.4.7): the next try runs the newest older Python the project allows."""
    compiled = failure and failure.library and NOT_LOADING.search(failure.message)
    if not failure or not (compiled or GONE_FROM_PYTHON.search(failure.message)):
        return None
    said = f"{failure.library or failure.where} does not load on {setup.repo.python} ({briefly(failure.message)})"
    return moved_to_older(setup, f"the trial start: {said}")
