"""The package's import graph: no cycle, and no module imports one from an area above it."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "fastapi_stackops"
#: Areas that build on the core at the package root; the faces build on everything.
AREAS = {"adopt", "checks", "ship"}
FACES = {"tasks", "cli"}


def module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("fastapi_stackops", *path.relative_to(PACKAGE).with_suffix("").parts)
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def imports_of(path: Path, modules: dict) -> set[str]:
    """Every package module a module imports: at its top, in a function, or through lazy_import."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names} & modules.keys()
            found |= submodules or {node.module}  # `from pkg import submodule` imports the submodule
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "lazy_import":
            found.add(node.args[0].value)
    return found & modules.keys()


def graph() -> dict[str, set[str]]:
    modules = module_names()
    return {name: imports_of(path, modules) - {name} for name, path in modules.items()}


def level(module: str) -> int:
    parts = module.split(".")
    if parts[1:2] and parts[1] in FACES:
        return 2
    return 1 if len(parts) > 2 and parts[1] in AREAS else 0


def cycle(edges: dict[str, set[str]]) -> list[str]:
    """One import cycle, as the modules it passes through; [] when there is none."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node):
        state[node] = "open"
        path.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == "open":
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = "done"
        path.pop()
        return []

    return next((found for node in sorted(edges) if node not in state and (found := visit(node))), [])


def test_the_package_has_no_import_cycle():
    assert cycle(graph()) == []


def test_cycle_finds_one():  # the check above can fail
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]


def test_no_module_imports_one_from_an_area_above_it():
    upward = [
        f"{module} -> {imported}"
        for module, imported_all in graph().items()
        for imported in imported_all
        if level(imported) > level(module)
        or (level(imported) == level(module) == 1 and imported.split(".")[1] != module.split(".")[1])
    ]
    assert upward == []
