"""`fastapi-stackops init`'s options and its run: the argparse face of adopt.init, shared by `inv init`."""

from __future__ import annotations

import argparse
from pathlib import Path

from fastapi_stackops import StackError
from fastapi_stackops.adopt.conventions import task_runner

NEXT = "next: {runner} up (the dev stack on this machine), then {runner} ci (the whole pipeline, as CI runs it)"


def parser() -> argparse.ArgumentParser:
    command = argparse.ArgumentParser(
        prog="fastapi-stackops",
        description="Container workflow for FastAPI services. `fastapi-stackops TASK` runs any task as `inv TASK` would "
        "(`fastapi-stackops --list` lists them): for a repository whose tasks.py is its own.",
    )
    commands = command.add_subparsers(dest="command", required=True)
    init = commands.add_parser("init", help="Read a FastAPI repository and write what the workflow needs.")
    init.add_argument("path", nargs="?", default=".", help="The repository (default: this folder).")
    init.add_argument("--dry-run", action="store_true", help="Print what would be written, as diffs; write nothing.")
    init.add_argument("--force", action="store_true", help="Overwrite files that differ from what init would write.")
    init.add_argument("--app", default="", help="The app as module:attribute (module:function() for a factory).")
    init.add_argument("--health", default="", help="The health path, instead of the one read from the app's routes.")
    init.add_argument("--python", default="", help="The Python version of the image (3.11, 3.13, ...).")
    init.add_argument("--database", default="", choices=["", "postgres", "sqlite", "none"], help="The database.")
    init.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="A variable the app needs that init cannot read from its code (repeatable); it goes to the env files.",
    )
    return command


def run_init(arguments: argparse.Namespace) -> None:
    from fastapi_stackops.adopt.init import Options, init

    values = {}
    for pair in arguments.set:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise StackError(f"--set {pair}: expected NAME=VALUE, for example --set PUBLIC_BASE_URL=http://localhost:3000")
        values[name.strip()] = value
    options = Options(
        arguments.dry_run, arguments.force, arguments.app, arguments.health, arguments.python, arguments.database, values
    )
    changes = init(Path(arguments.path), options)
    if arguments.dry_run:
        print(f"dry run: {sum(c.writes for c in changes)} file(s) would change; nothing was written", flush=True)
        return
    for change in changes:
        print(change.line(), flush=True)
    after = NEXT.format(runner=task_runner(Path(arguments.path)))
    print(after if any(c.writes for c in changes) else "nothing to change; " + after, flush=True)
