"""The tables alembic's revisions alter that none of them makes: a history begun after the app's own create_all had
made its tables (a first revision of `op.add_column("users", ...)`) cannot build a schema in an empty database."""

from __future__ import annotations

import ast
from pathlib import Path

from fastapi_stackops.adopt.environment_reads import constant_text
from fastapi_stackops.adopt.syntax import calls, parsed

#: The operations whose first argument is a table that must be there already.
ALTERS = ("add_column", "drop_column", "alter_column", "batch_alter_table")


def upgrade_calls(path: Path) -> list[ast.Call]:
    """Every call in a revision's upgrade(): its downgrade may make again what the upgrade drops."""
    tree = parsed(path)
    upgrades = [n for n in getattr(tree, "body", []) if isinstance(n, ast.FunctionDef) and n.name == "upgrade"]
    return [n for upgrade in upgrades for n in ast.walk(upgrade) if isinstance(n, ast.Call)]


def unmade_tables(folder: Path) -> list[str]:
    """The tables the revisions in a migrations folder alter and none of them makes, sorted; [] for none."""
    made, altered = set(), set()
    for call in (c for path in sorted((folder / "versions").glob("*.py")) for c in upgrade_calls(path)):
        table = constant_text(call.args[0]) if call.args and isinstance(call.args[0], ast.Constant) else None
        if table and calls(call, "create_table"):
            made.add(table)
        elif table and any(calls(call, name) for name in ALTERS):
            altered.add(table)
    return sorted(altered - made)
