"""The `fastapi-stackops` command: `init`, which works before a repository has a tasks.py, and every task `inv` runs,
for a repository whose tasks.py is its own (Celery's tasks, say)."""

from __future__ import annotations

import os
import sys
import tempfile
import traceback

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
    except Exception as error:  # a defect of init's own, on a shape it misreads: one line, the traceback kept aside
        print(f"error: {defect_said(error)}", file=sys.stderr, flush=True)
        return 1
    return 0


def defect_said(error: Exception) -> str:
    """A defect of the package's own, in one line: what failed and where in the package, with the traceback in a file."""
    with tempfile.NamedTemporaryFile("w", prefix="stackops-init-", suffix=".traceback", delete=False) as file:
        traceback.print_exception(type(error), error, error.__traceback__, file=file)
    frames = traceback.extract_tb(error.__traceback__)
    own = [f for f in frames if f"{os.sep}fastapi_stackops{os.sep}" in f.filename] or frames
    where = f" ({own[-1].filename.rsplit(os.sep, 2)[-1]} line {own[-1].lineno})" if own else ""
    return (
        f"init stopped on a defect of its own: {type(error).__name__}: {error}{where}; please report it with "
        f"the traceback in {file.name}"
    )


if __name__ == "__main__":
    sys.exit(main())
