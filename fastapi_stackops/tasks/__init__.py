"""Invoke tasks, one module per concern; `collection()` assembles them for a project's tasks.py.

The task modules import the package's working modules lazily (fastapi_stackops.lazy):
`inv --list` and `inv --help` load only Invoke and the task definitions.
"""

from fastapi_stackops.tasks.namespace import collection
from fastapi_stackops.tasks.shared import stack_task

__all__ = ["collection", "stack_task"]
