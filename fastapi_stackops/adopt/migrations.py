"""Which migrations run before the app starts: the repository's prestart script, alembic's upgrade from its
alembic.ini (at the top, a folder or two down inside the code, or [tool.alembic] in pyproject.toml), or with neither its
own script that makes the tables."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from fastapi_stackops.adopt.dependency_files import pyproject, requirement_name
from fastapi_stackops.adopt.findings import Finding
from fastapi_stackops.adopt.locks import locked_version
from fastapi_stackops.adopt.revision_tables import unmade_tables
from fastapi_stackops.adopt.source import SKIPPED, TESTS, python_files
from fastapi_stackops.adopt.syntax import is_main_block, parsed
from fastapi_stackops.adopt.wheels import text_of

#: Every head: `head` for one line of history; what alembic asks for when branches were never merged (a fresh database).
UPGRADE = "alembic upgrade heads"
#: Every revision marked as run, none run.
STAMP = "alembic stamp heads"


def alembic_location(root: Path, named: str = "") -> str:
    """The migrations folder alembic.ini's script_location (or [tool.alembic]'s, `named`) gives, as written; a package
    resource's (`app:database/migrations`, the folder inside the package app) as the path it is."""
    lines = [] if named else text_of(root / "alembic.ini").splitlines()
    for key, _, value in [("script_location", "=", named), *(line.partition("=") for line in lines)]:
        if key.strip() == "script_location" and value.strip():
            package = re.match(r"^([A-Za-z_][\w.]+):(?![\\/])", value.strip())
            location = value.strip().replace("%(here)s/", "")
            return f"{package[1].replace('.', '/')}/{location[package.end() :]}" if package else location
    return ""


def holds_revisions(folder: Path) -> bool:
    """Whether a migrations folder holds a revision: a scaffold `alembic init` made and nobody filled (env.py alone,
    its URL still the template's `driver://`) has nothing to run, and would fail connecting."""
    return folder.is_dir() and any(path.name != "env.py" for path in folder.rglob("*.py"))


def nested_alembic(root: Path) -> str:
    """The folder, a level or two down, of an alembic.ini whose migrations folder lies beside it (src/db/alembic.ini):
    alembic runs from there, as its relative script_location asks. "" for none."""
    for path in sorted([*root.glob("*/alembic.ini"), *root.glob("*/*/alembic.ini")]):
        parts = path.relative_to(root).parts[:-1]
        if any(part in SKIPPED or part.startswith(".") or TESTS.fullmatch(part) for part in parts):
            continue
        if alembic_location(path.parent) and holds_revisions(path.parent / alembic_location(path.parent)):
            return "/".join(parts)
    return ""


def migrations(root: Path, dependencies: tuple[str, ...], installer: str = "") -> tuple[Finding | None, str]:
    """The migrations that run before the app, and the alembic pin the image adds for them when only a dev group, an
    extra or a dev requirements file names it (a developer runs them from a dev environment; the stack, from the image).
    """
    pin = "" if installs_alembic(dependencies) else kept_apart(root, installer)
    found = migrations_to_run(root, (*dependencies, *(["alembic"] if pin else [])))
    if not (found and pin and (UPGRADE in found.value or STAMP in found.value)):
        return found, ""
    return Finding("migrations", found.value, f"{found.source}; {pin}, a dev dependency only, added to the image"), pin


def installs_alembic(dependencies: tuple[str, ...]) -> bool:
    """Whether the app's dependencies bring alembic (alembic-utils and the like bring it too)."""
    return any(d == "alembic" or d.startswith("alembic-") for d in dependencies)


def kept_apart(root: Path, installer: str, name: str = "alembic") -> str:
    """The package (alembic, aerich) at the lock's version when the repository names it anywhere but among the app's
    dependencies (a requirements file's or a Pipfile's line, a group, an extra), "" else."""
    paths = [root / "Pipfile", *root.glob("*requirements*/*.txt"), *root.glob("*requirements*.txt")]
    spelt = "[-_.]".join(map(re.escape, re.split(r"[-_.]", name)))  # alembic_postgresql_enum is alembic-postgresql-enum
    line = re.compile(rf"""^\s*["']?{spelt}(?![\w.-])""", re.M | re.I)  # `alembic==1.13.2`, `alembic = "*"`
    named = any(line.search(text_of(path)) for path in paths if path.is_file())
    if not (named or name in {requirement_name(line) for line in listed_apart(pyproject(root))}):
        return ""
    version = locked_version(root, installer, name) if installer in ("uv", "poetry") else ""
    return f"{name}=={version}" if version else name


def listed_apart(project: dict) -> list[str]:
    """The requirements pyproject.toml lists beside the app's own: groups, extras, poetry's groups."""
    uv, poetry = project.get("tool", {}).get("uv", {}), project.get("tool", {}).get("poetry", {})
    lists = [*project.get("dependency-groups", {}).values(), uv.get("dev-dependencies", [])]
    lists += [*project.get("project", {}).get("optional-dependencies", {}).values()]
    lists += [list(group.get("dependencies", {})) for group in poetry.get("group", {}).values()]
    lists += [list(poetry.get("dev-dependencies", {}))]
    return [line for listed in lists for line in listed if isinstance(line, str)]


def migrations_to_run(root: Path, dependencies: tuple[str, ...]) -> Finding | None:
    """Alembic runs once before the app; a prestart script of the repository's own runs instead when it has one. An
    alembic.ini whose migrations folder the repository lacks (git-ignored, never committed), or whose alembic no
    dependency of the app's installs (a leftover), runs nothing."""
    for script in ("prestart.sh", "scripts/prestart.sh"):
        if (root / script).is_file():
            return Finding("migrations", f"sh {script}", script)
    if installs_alembic(dependencies):
        # An alembic.ini naming no migrations folder (an empty one) runs nothing: alembic refuses it.
        if (root / "alembic.ini").is_file() and alembic_location(root) and holds_revisions(root / alembic_location(root)):
            return stamped_instead(root) or Finding("migrations", upgrade_beside(root), "alembic.ini")
        if "[tool.alembic]" in (text_of(root / "pyproject.toml") if (root / "pyproject.toml").is_file() else ""):
            return Finding("migrations", UPGRADE, "[tool.alembic] in pyproject.toml")
        if folder := nested_alembic(root):  # a plain command, no shell: the contract's upgrade runs as written
            return Finding("migrations", f"env -C {folder} {UPGRADE}", f"{folder}/alembic.ini")
    return aerich_upgrade(root, dependencies) or table_script(root)


def stamped_instead(root: Path) -> Finding | None:
    """alembic's stamp, which marks every revision as run, when the revisions alter tables none of them makes and the
    app makes its tables itself (create_all): the upgrade fails on an empty database ("relation users does not
    exist"), and the app's tables are the models' as they are now, which the revisions' last state is. None else."""
    unmade = unmade_tables(root / alembic_location(root))
    if not (unmade and makes_its_own_tables(root, list(python_files(root)))):
        return None
    said = f"alembic.ini; its revisions alter {', '.join(unmade[:3])}, which none makes: the app's create_all does"
    return Finding("migrations", upgrade_beside(root).replace(UPGRADE, STAMP), said)


def aerich_folder(root: Path) -> str:
    """The migrations folder [tool.aerich] names (`./migrations`, as `migrations`), when the repository has it; ""."""
    named = str(pyproject(root).get("tool", {}).get("aerich", {}).get("location", "")).removeprefix("./").strip("/")
    return named if named and (root / named).is_dir() else ""


def aerich_upgrade(root: Path, dependencies: tuple[str, ...]) -> Finding | None:
    """aerich's upgrade, for a Tortoise app whose [tool.aerich] names a migrations folder holding revisions
    (`migrations/models/0_..._init.py`) and which installs aerich: its tables are made so, and only so
    (ZyphrZero/react-fastapi-admin's first query found none)."""
    location = aerich_folder(root)
    revisions = any((root / location).glob("*/*.py")) if location else False
    return (
        Finding("migrations", "aerich upgrade", "[tool.aerich] in pyproject.toml")
        if revisions and "aerich" in dependencies
        else None
    )


def upgrade_beside(root: Path) -> str:
    """The upgrade, run without the code's folder on the path when a package of the code's own is called alembic
    (an `alembic/__init__.py`): there it hides the installed alembic ("No module named 'alembic.config'"), and the
    alembic.ini's prepend_sys_path puts the folder back once alembic is in."""
    prepends = re.search(r"^prepend_sys_path\s*=\s*\.", text_of(root / "alembic.ini"), re.M)
    return f"env -u PYTHONPATH {UPGRADE}" if (root / "alembic/__init__.py").is_file() and prepends else UPGRADE


#: What a script does that must not run at every start: fill tables (a seed), drop them (called, or handed to
#: run_sync), serve the app, or ask (input).
NOT_AT_EVERY_START = re.compile(
    r"\.(add|add_all|bulk_save_objects|merge|execute|serve)\(|\.drop_all\b|\binsert\(|uvicorn|\b(input|getpass)\(", re.I
)


def table_script(root: Path) -> Finding | None:
    """A script of the repository's own whose `__main__` block makes the tables (`metadata.create_all`, itself or in a
    function of the script's), and does nothing else a start must not repeat: it runs before the app, as migrations
    would (`python -m app.init_db`). An app that never makes its tables answers 500 until someone runs it by hand; one
    that makes them itself elsewhere (a startup's create_all, outside any script) needs none."""
    making = [(path, text) for path in python_files(root) if "create_all" in (text := text_of(path))]
    if makes_its_own_tables(root, [path for path, _ in making]):
        return None
    for path, text in making:
        if not (tree := parsed(path)):
            continue
        main = next((n for n in tree.body if is_main_block(n)), None)
        module = ".".join(path.relative_to(root).with_suffix("").parts)
        if main and (made := creates_alone(main)) and not NOT_AT_EVERY_START.search(text.replace(".drop_all", "")):
            said = f"{path.relative_to(root)}'s create_all calls, without the drop_all before them"
            return Finding("migrations", f'python -c "from {module} import *; {made}"', said)
        if main is None or NOT_AT_EVERY_START.search(text):
            continue
        called = {ast.unparse(call.func).rsplit(".", 1)[-1] for call in ast.walk(main) if isinstance(call, ast.Call)}
        makers = {
            f.name for f in tree.body if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef) and "create_all" in ast.unparse(f)
        }
        if "create_all" in called or called & makers:
            return Finding("migrations", f"python -m {module}", f"{path.relative_to(root)}, which makes the tables")
    return None


def creates_alone(main: ast.If) -> str:
    """The `__main__` block's create_all calls, when all it does is drop and make tables (Lootmann/FastAPI-SQLModel-
    Test's db.py): run alone before the app, they make the tables and keep what is in them; "" for any other block."""
    done = [s.value for s in main.body if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)]
    kinds = {getattr(call.func, "attr", "") for call in done}
    if len(done) != len(main.body) or kinds != {"create_all", "drop_all"}:
        return ""
    made = "; ".join(ast.unparse(call) for call in done if call.func.attr == "create_all")
    return "" if '"' in made else made


def outside_main(tree: ast.Module) -> list[ast.stmt]:
    """A module's statements but its `if __name__ == "__main__":` block: what runs when the app imports it."""
    return [n for n in tree.body if not is_main_block(n)]


def makes_its_own_tables(root: Path, modules: list[Path]) -> bool:
    """Whether the app makes its tables itself: create_all in one of these modules as it loads, or in a function of
    theirs that code calls outside a script's `__main__` block (a startup's `await create_tables()`)."""
    makers = set()
    for body in (outside_main(tree) for tree in filter(None, map(parsed, modules))):
        functions = [f for f in body if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)]
        if any("create_all" in ast.unparse(n) for n in body if n not in functions):
            return True
        makers |= {f.name for f in functions if "create_all" in ast.unparse(f)}
    bodies = (outside_main(tree) for tree in filter(None, map(parsed, python_files(root))) if makers)
    called = (
        ast.unparse(n.func).rsplit(".", 1)[-1] for body in bodies for s in body for n in ast.walk(s) if isinstance(n, ast.Call)
    )
    return any(name in makers for name in called)


def alembic_ini_url(root: Path) -> tuple[str, str]:
    """alembic.ini's `sqlalchemy.url` as written, whoever reads it, and its line; ("", "") for none."""
    lines = text_of(root / "alembic.ini").splitlines() if (root / "alembic.ini").is_file() else []
    for number, (key, _, value) in enumerate((line.partition("=") for line in lines), 1):
        if key.strip() == "sqlalchemy.url":
            return value.strip(), f"alembic.ini line {number}"
    return "", ""
