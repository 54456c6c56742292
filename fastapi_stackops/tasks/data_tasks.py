"""The data tasks: backups of a stack's databases, kept on the engine's host, and restores from them."""

from __future__ import annotations

from invoke import Collection

from fastapi_stackops.console import say
from fastapi_stackops.lazy import lazy_import
from fastapi_stackops.tasks.shared import ENV_HELP, open_stack, stack_task

runner = lazy_import("fastapi_stackops.backup_runner")


@stack_task(help={"env": ENV_HELP, "list": "List the backups kept instead of taking one."})
def backup(c, env=None, list=False):  # noqa: A002 (the flag's name)
    """Back up every database the running stack has (PostgreSQL, SQLite) into its backups volume, on its own engine."""
    stack = open_stack(env)
    if not list:
        runner.back_up(stack)
        return
    kept = runner.list_backups(stack)
    say("\n".join(f"{name}  {size} bytes" for name, size in kept) or f"no backups in volume {stack.project}-backups")


@stack_task(help={"env": ENV_HELP, "name": "The backup to put back, as `inv backup --list` names it."})
def restore(c, name, env=None):
    """Put a backup back in place of what its database holds now, which is backed up first."""
    runner.restore(open_stack(env), name)


ns = Collection(backup, restore)
