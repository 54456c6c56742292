"""The `fastapi-stackops` command: `init`, which works before a repository has a tasks.py, and every task `inv` runs,
for a repository whose tasks.py is its own (Celery's tasks, say)."""

from __future__ import annotations

import sys

from fastapi_stackops import StackError
from fastapi_stackops.adopt.init_command import parser, run_init


def run_task(argv: list[str]) -> int:
    """A task, as `inv` runs it from a tasks.py that holds the collection: Invoke's own parsing, help and errors."""
    from invoke import Program

    from fastapi_stackops.tasks import collection

    Program(namespace=collection(), name="fastapi-stackops", binary="fastapi-stackops").run(["fastapi-stackops", *argv])
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] not in ("init", "-h", "--help"):
        return run_task(argv)
    arguments = parser().parse_args(argv)
    try:
        run_init(arguments)
    except StackError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
