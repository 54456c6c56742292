"""The variables a line of the app's code read with none set: what a failed first start stopped on (a bare check of
a name bound to a read, a read on the line itself), for init to name and give a value."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from fastapi_stackops.adopt.environment_reads import environment_read
from fastapi_stackops.adopt.syntax import every_node, parsed


def reads_behind(path: Path, line: str, root: Path | None = None) -> set[str]:
    """The variables read with no default into the names a line of the file uses: what an app's own bare check
    (`assert cls.COOKIE_TTL is not None`, of `COOKIE_TTL = getenv("COOKIE_TTL_SECONDS")`) found unset. A library
    model's field the line names is what the file's call passes it (`ConnectionConfig(MAIL_USERNAME=smtp_user)`), and
    a name imported from a module of the repository (under `root`) is read there."""
    tree = parsed(path) if path.is_file() else None
    if not tree:
        return set()
    used = set(re.findall(r"\w+", line))
    used |= {
        name.id
        for node in every_node(tree)
        if isinstance(node, ast.Call)
        for keyword in node.keywords
        if keyword.arg in used
        for name in ast.walk(keyword.value)
        if isinstance(name, ast.Name)
    }
    found = assigned_reads(tree, used)
    for node in (n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module and not n.level and root):
        names = {alias.name for alias in node.names if (alias.asname or alias.name) in used}
        source = root.joinpath(*node.module.split("."))
        module = next((p for p in (source.with_suffix(".py"), source / "__init__.py") if p.is_file()), None)
        found |= assigned_reads(parsed(module), names) if names and module else set()
    return found


def assigned_reads(tree: ast.Module | None, used: set[str]) -> set[str]:
    """The variables read with no default in what the module assigns to these names."""
    found = set()
    for node in every_node(tree) if tree and used else ():
        annotated = isinstance(node, ast.AnnAssign) and node.value is not None  # `MAIL_PORT: int = int(getenv(...))`
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if annotated else []
        if any(getattr(target, "id", "") in used for target in targets):
            reads = (environment_read(inner) for inner in ast.walk(node.value))
            found |= {read.name for read in reads if read and not read.default}
    return found


def reads_in(path: Path | None) -> set[str]:
    """The variables a file reads with no default, anywhere in it."""
    tree = parsed(path) if path and path.is_file() else None
    reads = (environment_read(node) for node in every_node(tree)) if tree else ()
    return {read.name for read in reads if read and not read.default}


def reads_on(line: str) -> set[str]:
    """The variables a line reads itself with no default: `MAIL_PORT: int = int(os.getenv("MAIL_PORT"))`, or a call's
    last keyword closing the call (`port=int(os.getenv("PORT")), )`), read without what closes it."""
    text = line.strip()
    while text:
        try:
            tree = ast.parse(text)
            break
        except SyntaxError:
            text = text[:-1].rstrip() if text[-1] in "),]}" else ""
    reads = (environment_read(node) for node in ast.walk(tree)) if text else ()
    return {read.name for read in reads if read and not read.default}
