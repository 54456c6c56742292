"""Paths a module computes from its own file (`Path(__file__).resolve().parent.parent / "api.db"`,
`os.path.join(os.path.dirname(__file__), "app.db")`), read relative to the service's folder, which is the image's
working directory: where an SQLite file the code names that way lies under the read-only code."""

from __future__ import annotations

import ast
from pathlib import PurePosixPath

Parts = tuple[str, ...]

#: Calls that give back the path they are given: in the image, the code's folder is already absolute and real.
SAME_PATH = frozenset({"Path", "pathlib.Path", "PurePath", "str", "os.fspath", "os.path.abspath", "os.path.realpath"})


def joined(parts: list[Parts | None]) -> Parts | None:
    """Paths joined as `/` and os.path.join join them, `..` taken up a folder; None when one is not known, or when the
    path leaves the service's folder."""
    return None if any(p is None for p in parts) else normal(tuple(part for p in parts for part in p))  # type: ignore[union-attr]


def normal(parts: Parts) -> Parts | None:
    """A path with each `..` taken up a folder (`config/../app.db` is app.db); None above the service's folder."""
    kept: list[str] = []
    for part in parts:
        if part == ".." and not kept:
            return None
        kept = kept[:-1] if part == ".." else [*kept, part]
    return tuple(kept)


def up(path: Parts | None, levels: int) -> Parts | None:
    """A folder that many levels up; None above the service's folder, which the image holds nothing of."""
    return path[: len(path) - levels] if path is not None and len(path) >= levels else None


def file_path(node: ast.AST, paths: dict[str, Parts], module: Parts) -> Parts | None:
    """The path an expression computes from `__file__` (its parts, from the service's folder), or None."""
    if isinstance(node, ast.Name):
        return module if node.id == "__file__" else paths.get(node.id)
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and not node.value.startswith("/"):
        return tuple(p for p in PurePosixPath(node.value).parts if p != ".")
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return joined([file_path(node.left, paths, module), file_path(node.right, paths, module)])
    if isinstance(node, ast.Attribute) and node.attr == "parent":
        return up(file_path(node.value, paths, module), 1)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "parents":
        level = node.slice.value if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, int) else None
        return up(file_path(node.value.value, paths, module), level + 1) if level is not None else None
    if not isinstance(node, ast.Call):
        return None
    called, args = ast.unparse(node.func), [file_path(arg, paths, module) for arg in node.args]
    if isinstance(node.func, ast.Attribute) and node.func.attr in ("resolve", "absolute", "as_posix") and not node.args:
        return file_path(node.func.value, paths, module)
    if called == "os.path.join" or (called in SAME_PATH and called.endswith("Path") and len(args) > 1):
        return joined(args)  # `Path(BASE_DIR, "app", "test.db")` joins as os.path.join does
    if called == "os.path.dirname" and len(args) == 1:
        return up(args[0], 1)
    return args[0] if called in SAME_PATH and len(args) == 1 else None


def path_text(expression: ast.AST, paths: dict[str, Parts], module: Parts) -> str:
    """The path an expression computes from `__file__`, as text ("" for none, or for the service's folder itself)."""
    found = file_path(expression, paths, module)
    return "/".join(found) if found else ""


def module_paths(tree: ast.Module, module: str) -> dict[str, Parts]:
    """Names the module binds at its top to a path computed from its own file (() for the service's folder); then those
    a function of it binds so, where the module binds no such name (amard33p/fastapi-oauth's property's `db_path =
    Path(BASE_DIR, "app", "test.db").as_posix()`)."""
    literal = literal_paths(tree)
    paths = bound_paths(tree.body, literal, module)
    functions = (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))
    local = {name: parts for f in functions for name, parts in bound_paths(f.body, paths, module).items()}
    return {name: parts for name, parts in (local | paths).items() if literal.get(name) != parts}


def literal_paths(tree: ast.Module) -> dict[str, Parts]:
    """Names the module binds at its top to a relative path as a literal (`name = "../app.sqlite"`), which a path
    computed from its file may join (`os.path.join(BASE_DIR, name)`)."""
    return {
        target.id: tuple(p for p in PurePosixPath(node.value.value).parts if p != ".")
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        and node.value.value
        and not node.value.value.startswith("/")
        and "://" not in node.value.value
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def called_paths(tree: ast.Module) -> dict[str, Parts]:
    """Names bound anywhere in the module to a path of a relative literal (a method's `keys_dir = Path("secrets/keys")`)."""
    assigned = (n for n in ast.walk(tree) if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.value, ast.Call))
    found = ((n.targets[0], file_path(n.value, {}, ())) for n in assigned)
    return {target.id: parts for target, parts in found if isinstance(target, ast.Name) and parts}


def named_paths(tree: ast.Module) -> dict[str, Parts]:
    """Names bound to a relative path, as a literal at the module's top or a call anywhere (a folder the code makes)."""
    return literal_paths(tree) | called_paths(tree)


def bound_paths(body: list[ast.stmt], paths: dict[str, Parts], module: str) -> dict[str, Parts]:
    """The names these statements bind to a path computed from the module's file, beside those already known."""
    for node in body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else getattr(node, "target", None)
        value = getattr(node, "value", None)
        if not isinstance(target, ast.Name) or value is None or isinstance(value, ast.Constant):  # literals: literal_paths
            continue
        used = {name.id for name in ast.walk(value) if isinstance(name, ast.Name)}
        found = file_path(value, paths, PurePosixPath(module).parts) if "__file__" in used or used & set(paths) else None
        paths = {**paths, target.id: found} if found is not None else {k: v for k, v in paths.items() if k != target.id}
    return paths
