"""Whether the app drops its tables every time it starts (`drop_all` then `create_all` in a startup handler): its data
never outlives a restart, so a check that it does (persistence-check) would fail however the stack keeps its volume."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from fastapi_stackops.adopt.source import python_files
from fastapi_stackops.adopt.syntax import parsed
from fastapi_stackops.adopt.wheels import text_of

#: A startup handler's decorator: `@app.on_event("startup")`, `@router.on_event('startup')`.
STARTUP = re.compile(r"\bon_event\(\s*['\"]startup['\"]")


def tables_reset_at_start(root: Path) -> str:
    """Where the app drops every table as it starts ("backend/app.py line 145"): `drop_all` in a startup handler, or in
    a lifespan handed to FastAPI before its `yield`, and under no condition (an `if RESET_DB:`); "" when nowhere."""
    for path in python_files(root):
        if "drop_all" in text_of(path) and (tree := parsed(path)) and (line := resetting_line(tree)):
            return f"{path.relative_to(root)} line {line}"
    return ""


def resetting_line(tree: ast.Module) -> int:
    """The line of the first unconditional `drop_all` in a function the app runs as it starts; 0 for none."""
    lifespans = {
        k.value.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        for k in n.keywords
        if k.arg == "lifespan" and isinstance(k.value, ast.Name)
    }
    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)):
        starts = function.name in lifespans or any(STARTUP.search(ast.unparse(d)) for d in function.decorator_list)
        nodes = unconditional(function.body) if starts else []
        yields = [n.lineno for n in nodes if isinstance(n, ast.Yield | ast.YieldFrom)]
        drops = [n.lineno for n in nodes if isinstance(n, ast.Attribute) and n.attr == "drop_all"]
        if drops and (not yields or min(drops) < min(yields)):
            return min(drops)
    return 0


def unconditional(body: list[ast.stmt]) -> list[ast.AST]:
    """Every node of the statements, less what an `if` (or a nested function) holds: what runs whatever is set."""
    found: list[ast.AST] = []
    for statement in body:
        if isinstance(statement, ast.If | ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        children = [c for c in ast.iter_child_nodes(statement) if not isinstance(c, ast.stmt)]
        nested = [c for c in ast.iter_child_nodes(statement) if isinstance(c, ast.stmt)]
        found += [statement, *(n for c in children for n in ast.walk(c)), *unconditional(nested)]
    return found
