"""Tooling for the container workflows: settings, Compose commands, engine checks, tasks."""

from pathlib import Path

#: The repository root; every relative path in the env files is taken from here.
ROOT = Path(__file__).resolve().parent.parent


class StackError(Exception):
    """A failure the user can fix; its message is one sentence saying how."""
