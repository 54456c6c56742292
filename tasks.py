"""The front door: `inv --list`. This file only assembles the task modules."""

from invoke import Collection

from ops.tasks import checks, dev, stack

ns = Collection()
for module in (stack, checks, dev):
    for name, body in module.ns.tasks.items():
        ns.add_task(body, name)
ns.configure({"run": {"echo": False}})
