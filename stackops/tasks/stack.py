"""Stack lifecycle: build, up, down, logs, exec, status, clean and friends."""

from __future__ import annotations

import shlex

from invoke import Collection, Exit, task

from stackops import StackError, lifecycle
from stackops.compose import exec_args, logs_args, render, require_service, run_compose
from stackops.console import say
from stackops.engine import connect, service_states
from stackops.settings import load_settings
from stackops.tasks import ENV_HELP, count, interactive, reports_errors


@task(help={"env": ENV_HELP, "no_cache": "Rebuild every layer instead of reusing the cache."})
@reports_errors
def build(c, env=None, no_cache=False):
    """Build the stack's images (and local base images when no registry answers)."""
    settings = load_settings(env)
    lifecycle.build(c, settings, connect(), no_cache=no_cache)


def print_urls(settings, started) -> None:
    """The entry service's URLs, as the contract names its paths."""
    entry = settings.config.service(settings.config.entry)
    say(f"  {entry.name:<8} {started.url}")
    for label, path in (("docs", entry.docs), ("health", entry.health), ("ready", entry.ready), ("metrics", entry.metrics)):
        if path:
            say(f"  {label:<8} {started.url}{path}")


@task(help={"env": ENV_HELP, "build": "Build images first (default); --no-build starts what exists."})
@reports_errors
def up(c, env=None, build=True):
    """Start the stack and wait until it is healthy; print its URLs."""
    settings = load_settings(env)
    started = lifecycle.up(c, settings, connect(), build=build)
    say(f"{settings.project} is healthy in {started.seconds:.1f}s")
    print_urls(settings, started)


@task(help={"env": ENV_HELP, "volumes": "Also DELETE the stack's volumes, and with them its data."})
@reports_errors
def down(c, env=None, volumes=False):
    """Stop and remove the stack's containers; volumes are kept unless --volumes."""
    lifecycle.down(c, load_settings(env), connect(), volumes=volumes)


@task(help={"env": ENV_HELP})
@reports_errors
def rebuild(c, env=None):
    """Rebuild the images without cache, then start the stack."""
    settings = load_settings(env)
    client = connect()
    lifecycle.build(c, settings, client, no_cache=True)
    started = lifecycle.up(c, settings, client, build=False)
    say(f"{settings.project} is healthy in {started.seconds:.1f}s at {started.url}")


@task(help={"env": ENV_HELP, "service": "Restart only this service (default: all)."})
@reports_errors
def restart(c, env=None, service=None):
    """Restart the stack's containers (no rebuild) and wait until healthy."""
    settings = load_settings(env)
    if service:
        require_service(render(settings), service)
    run_compose(c, settings, ["restart"] + ([service] if service else []))
    started = lifecycle.up(c, settings, connect(), build=False)
    say(f"{settings.project} is healthy again at {started.url}")


@task(
    help={
        "env": ENV_HELP,
        "service": "Only this service's logs (any service of the stack).",
        "follow": "Keep printing new lines.",
        "tail": "Only the last N lines of each container.",
    }
)
@reports_errors
def logs(c, env=None, service=None, follow=False, tail=None):
    """Print the stack's logs."""
    settings = load_settings(env)
    if service:
        require_service(render(settings), service)
    lines = str(count(tail, "tail", low=0)) if tail is not None else None
    run_compose(c, settings, logs_args([service] if service else [], follow, lines))


@task(
    name="exec",
    help={
        "env": ENV_HELP,
        "service": "The service to run in (any service of the stack).",
        "command": 'The command line, quoted: "ls -l /".',
    },
)
@reports_errors
def exec_(c, service, command, env=None):
    """Run a command in a running service's container."""
    settings = load_settings(env)
    require_service(render(settings), service)
    run_compose(c, settings, exec_args(service, shlex.split(command), tty=interactive()), pty=interactive())


@task(help={"env": ENV_HELP, "service": "The service to open a shell in (default: the contract's entry service)."})
@reports_errors
def shell(c, env=None, service=None):
    """Open a shell in a running service's container."""
    settings = load_settings(env)
    service = require_service(render(settings), service or settings.config.entry)
    run_compose(c, settings, exec_args(service, ["sh"], tty=interactive()), pty=interactive())


@task(help={"env": ENV_HELP})
@reports_errors
def status(c, env=None):
    """Show the stack's services: state, health, ports, image and its size."""
    settings = load_settings(env)
    states = service_states(connect(), settings.project)
    if not states:
        say(f"{settings.project} ({settings.env}): no containers; start it with inv up --env {settings.cli_env}")
        return
    rows = [("SERVICE", "STATE", "HEALTH", "PORTS", "IMAGE", "SIZE")]
    rows += [(s.service, s.status, s.health, s.ports, s.image, f"{s.image_size_mb:.0f} MB") for s in states]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    say(f"{settings.project} ({settings.env})")
    for row in rows:
        say("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@task(help={"env": ENV_HELP})
@reports_errors
def config(c, env=None):
    """Print the Compose file as this environment renders it (validated)."""
    run_compose(c, load_settings(env), ["config"])


@task(
    help={
        "env": ENV_HELP,
        "current": "Show the current revision instead of upgrading.",
        "new": "Write a new revision with this message (the contract's `new` command, on this machine).",
    }
)
@reports_errors
def migrate(c, env=None, current=False, new=None):
    """Upgrade the running stack's database (or show its revision, or write a new revision)."""
    settings = load_settings(env)
    migrations = settings.config.migrations
    if migrations is None:
        raise StackError(f"{settings.config.where('migrate')}: no migrations are declared; add a [tool.stackops.migrate] table")
    if new:
        if not migrations.new:
            raise StackError(f"{settings.config.where('migrate.new')}: is not set; name the command that writes a revision")
        c.run(migrations.new.replace("{message}", shlex.quote(new)), pty=False)
        return
    command = migrations.current if current else migrations.upgrade
    if not command:
        raise StackError(f"{settings.config.where('migrate.' + ('current' if current else 'upgrade'))}: is not set")
    require_service(render(settings), migrations.service)
    run_compose(c, settings, exec_args(migrations.service, shlex.split(command), tty=False))


@task(
    help={
        "env": ENV_HELP,
        "volumes": "Also DELETE the project's volumes (asks first unless --yes).",
        "yes": "Do not ask before deleting volumes.",
    }
)
@reports_errors
def clean(c, env=None, volumes=False, yes=False):
    """Remove this project's containers, networks and built images; nothing else on the host."""
    settings = load_settings(env)
    if volumes and not yes:
        if not interactive():
            raise Exit(f"error: --volumes deletes the data of {settings.project}; pass --yes as well to confirm", code=1)
        answer = input(f"Delete the volumes (all data) of {settings.project}? Type the project name to confirm: ")
        if answer.strip() != settings.project:
            raise Exit("nothing deleted", code=1)
    lifecycle.clean(c, settings, connect(), volumes=volumes)


ns = Collection(build, up, down, rebuild, restart, logs, exec_, shell, status, config, migrate, clean)
