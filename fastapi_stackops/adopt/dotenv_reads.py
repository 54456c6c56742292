"""Settings the app reads from a file itself, not from the environment: python-dotenv's `dotenv_values(".env")`, a
mapping the code indexes (`config["JWT_SECRET"]`). A fresh clone lacks that file (git ignores it), and the stack's
values are in the container's environment; so the image has the file as a link into /tmp, which its entrypoint
writes from the environment as the container starts, before it runs the command."""

from __future__ import annotations

import ast
import json
import posixpath
from pathlib import Path

from fastapi_stackops.adopt.conventions import CODE_DIR
from fastapi_stackops.adopt.source import python_files
from fastapi_stackops.adopt.syntax import calls, every_node, parsed

READ = "dotenv_values"
#: Where the entrypoint writes the environment as python-dotenv reads it: single-quoted, so nothing is interpolated.
WRITTEN = "/tmp/.env"
#: The entrypoint: the environment into WRITTEN, each value single-quoted (`\\` and `'` escaped), then the command.
#: python-dotenv expands `${NAME}` even there, so a value's `${` is written as one it expands to a `$` before `{`.
WRITER = (
    "import os, sys\n"
    "quoted = lambda value: \"'\" + value.replace('\\\\', '\\\\\\\\').replace(\"'\", \"\\\\'\").replace('${', '${STACKOPS_DOLLAR}{') + \"'\"\n"
    f"with open({WRITTEN!r}, 'w') as file:\n"
    "    file.write(\"STACKOPS_DOLLAR='$'\\n\")\n"
    "    file.writelines(f'{name}={quoted(value)}\\n' for name, value in os.environ.items())\n"
    "os.execvp(sys.argv[1], sys.argv[1:])\n"
)


def copies_a_mapping(value: ast.expr, mappings: set[str]) -> bool:
    """Whether the value is a dotenv_values() mapping, or a copy of one or of one of `mappings` (`dict(config.items())`,
    `{**dotenv_values(".env"), **os.environ}`)."""
    if calls(value, READ):
        return True
    if isinstance(value, ast.Dict):
        unpacked = [v for k, v in zip(value.keys, value.values, strict=True) if k is None]
        return any(calls(v, READ) or (isinstance(v, ast.Name) and v.id in mappings) for v in unpacked)
    if not calls(value, "dict"):
        return False
    return bool({n.id for arg in value.args for n in ast.walk(arg) if isinstance(n, ast.Name)} & mappings)


def dotenv_mappings(tree: ast.Module | None) -> frozenset[str]:
    """The names the module binds to a dotenv_values() mapping, or to a copy of one, anywhere in it."""
    bound = [
        (n.targets[0].id, n.value)
        for n in every_node(tree)
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)
    ]
    found: set[str] = set()
    while True:
        before = len(found)
        found |= {name for name, value in bound if copies_a_mapping(value, found)}
        if len(found) == before:
            return frozenset(found)


def read_path(call: ast.Call) -> str | None:
    """The file a dotenv_values() call reads, as written: its path literal; ".env" for none, or for find_dotenv()'s
    (which finds one above the module's folder, as the code's own is); None for a path the code computes."""
    given = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "dotenv_path"), None)
    if given is None or (isinstance(given, ast.Call) and calls(given, "find_dotenv") and not given.args):
        return ".env"
    value = getattr(given, "value", None) if isinstance(given, ast.Constant) else None
    return value if isinstance(value, str) and value else None


def dotenv_files(root: Path) -> tuple[tuple[str, ...], str]:
    """Where in the image the code's dotenv_values() calls read their file (relative paths from the code's folder,
    where the app runs), and the first call's place; ((), "") for a repository that reads none."""
    trees = [(path, parsed(path)) for path in python_files(root)]
    reads = [(path, n, read_path(n)) for path, tree in trees if tree for n in every_node(tree) if calls(n, READ)]
    reads = [(path, call, read) for path, call, read in reads if read]
    files = tuple(sorted({posixpath.normpath(posixpath.join(CODE_DIR, read)) for _, _, read in reads}))
    return files, next((f"{path.relative_to(root)}:{call.lineno}" for path, call, _ in reads), "")


def entrypoint_lines(files: tuple[str, ...], before: list[str] | None = None) -> str:
    """The Dockerfile's lines making each file a link to WRITTEN, and the entrypoint that writes it; `before`: an
    entrypoint's words that run first, and then the rest (local_forward's)."""
    before = before or []
    if not files and not before:
        return ""
    if not files:
        return f"ENTRYPOINT {json.dumps(before)}\n"
    folders = sorted({posixpath.dirname(f) for f in files} - {CODE_DIR, "/"})
    made = (f"mkdir -p {' '.join(folders)} && " if folders else "") + " && ".join(f"ln -sf {WRITTEN} {f}" for f in files)
    return (
        f"# The app reads its settings from {', '.join(files)} (python-dotenv's dotenv_values), not the environment:\n"
        f"# a link into /tmp, which the entrypoint writes from the container's environment before running the command.\n"
        f"RUN {made}\nENTRYPOINT {json.dumps([*before, 'python', '-c', WRITER])}\n"
    )
