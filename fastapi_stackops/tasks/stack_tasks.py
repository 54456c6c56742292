"""Stack lifecycle: build, up, down, logs, exec, status, clean and friends."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from invoke import Collection

from fastapi_stackops import StackError
from fastapi_stackops.commands import run
from fastapi_stackops.console import say
from fastapi_stackops.lazy import lazy_import
from fastapi_stackops.tasks.shared import BUILD_CACHE_HELP, ENV_HELP, count, interactive, open_stack, stack_task

if TYPE_CHECKING:
    from fastapi_stackops.stack import Stack

compose = lazy_import("fastapi_stackops.compose")
engine = lazy_import("fastapi_stackops.engine")
lifecycle = lazy_import("fastapi_stackops.lifecycle")


@stack_task(
    help={"env": ENV_HELP, "no_cache": "Rebuild every layer instead of reusing the cache.", "build_cache": BUILD_CACHE_HELP}
)
def build(c, env=None, no_cache=False, build_cache=None):
    """Build the stack's images (and local base images when no registry answers)."""
    stack = open_stack(env)
    lifecycle.build(stack, no_cache=no_cache, cache=stack.config.root / build_cache if build_cache else None)


def print_urls(stack: Stack, started) -> None:
    """The entry service's URLs, as the contract names its paths."""
    entry = stack.config.service(stack.config.entry)
    say(f"  {entry.name:<8} {started.url}")
    for label, path in (("docs", entry.docs), ("health", entry.health), ("ready", entry.ready), ("metrics", entry.metrics)):
        if path:
            say(f"  {label:<8} {started.url}{path}")


@stack_task(help={"env": ENV_HELP, "build": "Build images first (default); --no-build starts what exists."})
def up(c, env=None, build=True):
    """Start the stack and wait until it is healthy; print its URLs."""
    stack = open_stack(env)
    started = lifecycle.up(stack, build=build)
    say(f"{stack.project} is healthy in {started.seconds:.1f}s")
    print_urls(stack, started)


@stack_task(help={"env": ENV_HELP, "volumes": "Also DELETE the stack's volumes, and with them its data."})
def down(c, env=None, volumes=False):
    """Stop and remove the stack's containers; volumes are kept unless --volumes."""
    lifecycle.down(open_stack(env), volumes=volumes)


@stack_task(help={"env": ENV_HELP})
def rebuild(c, env=None):
    """Rebuild the images without cache, then start the stack."""
    stack = open_stack(env)
    lifecycle.build(stack, no_cache=True)
    started = lifecycle.up(stack, build=False)
    say(f"{stack.project} is healthy in {started.seconds:.1f}s at {started.url}")


@stack_task(help={"env": ENV_HELP, "service": "Restart only this service (default: all)."})
def restart(c, env=None, service=None):
    """Restart the stack's containers (no rebuild) and wait until healthy."""
    stack = open_stack(env)
    stack.compose(["restart"] + ([stack.service(service)] if service else []))
    started = lifecycle.up(stack, build=False)
    say(f"{stack.project} is healthy again at {started.url}")


@stack_task(
    help={
        "env": ENV_HELP,
        "service": "Only this service's logs (any service of the stack).",
        "follow": "Keep printing new lines.",
        "tail": "Only the last N lines of each container.",
    }
)
def logs(c, env=None, service=None, follow=False, tail=None):
    """Print the stack's logs."""
    stack = open_stack(env)
    services = [stack.service(service)] if service else []
    lines = str(count(tail, "tail", low=0)) if tail is not None else None
    stack.compose(compose.logs_args(services, follow, lines))


@stack_task(
    name="exec",
    help={
        "env": ENV_HELP,
        "service": "The service to run in (any service of the stack).",
        "command": 'The command line, quoted: "ls -l /".',
    },
)
def exec_(c, service, command, env=None):
    """Run a command in a running service's container."""
    stack = open_stack(env)
    stack.compose(compose.exec_args(stack.service(service), shlex.split(command), tty=interactive()))


@stack_task(help={"env": ENV_HELP, "service": "The service to open a shell in (default: the contract's entry service)."})
def shell(c, env=None, service=None):
    """Open a shell in a running service's container."""
    stack = open_stack(env)
    stack.compose(compose.exec_args(stack.service(service), ["sh"], tty=interactive()))


@stack_task(help={"env": ENV_HELP})
def status(c, env=None):
    """Show the stack's services: state, health, ports, image and its size."""
    stack = open_stack(env)
    settings = stack.settings
    states = engine.service_states(stack.client, stack.containers())
    if not states:
        say(f"{settings.project} ({settings.env}): no containers; start it with inv up --env {settings.cli_env}")
        return
    rows = [("SERVICE", "STATE", "HEALTH", "PORTS", "IMAGE", "SIZE")]
    rows += [(s.service, s.status, s.health, s.ports, s.image, f"{s.image_size_mb:.0f} MB") for s in states]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    say(f"{settings.project} ({settings.env})")
    for row in rows:
        say("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@stack_task(help={"env": ENV_HELP})
def config(c, env=None):
    """Print the Compose file as this environment renders it (validated)."""
    open_stack(env).compose(["config"])


@stack_task(
    help={
        "env": ENV_HELP,
        "current": "Show the current revision instead of upgrading.",
        "new": "Write a new revision with this message (the contract's `new` command, on this machine).",
    }
)
def migrate(c, env=None, current=False, new=None):
    """Upgrade the running stack's database (or show its revision, or write a new revision)."""
    stack = open_stack(env)
    migrations = stack.config.migrations
    if migrations is None:
        raise StackError(f"{stack.config.where('migrate')}: no migrations are declared; add a [tool.stackops.migrate] table")
    if new:
        if not migrations.new:
            raise StackError(f"{stack.config.where('migrate.new')}: is not set; name the command that writes a revision")
        run(migrations.new.replace("{message}", shlex.quote(new)))
        return
    command = migrations.current if current else migrations.upgrade
    if not command:
        raise StackError(f"{stack.config.where('migrate.' + ('current' if current else 'upgrade'))}: is not set")
    stack.compose(compose.exec_args(stack.service(migrations.service), shlex.split(command), tty=False))


@stack_task(
    help={
        "env": ENV_HELP,
        "volumes": "Also DELETE the project's volumes (asks first unless --yes).",
        "yes": "Do not ask before deleting volumes.",
    }
)
def clean(c, env=None, volumes=False, yes=False):
    """Remove this project's containers, networks and built images; nothing else on the host."""
    stack = open_stack(env)
    if volumes and not yes:
        if not interactive():
            raise StackError(f"--volumes deletes the data of {stack.project}; pass --yes as well to confirm")
        answer = input(f"Delete the volumes (all data) of {stack.project}? Type the project name to confirm: ")
        if answer.strip() != stack.project:
            raise StackError("nothing deleted: the name typed was not the project's")
    lifecycle.clean(stack, volumes=volumes)


ns = Collection(build, up, down, rebuild, restart, logs, exec_, shell, status, config, migrate, clean)
