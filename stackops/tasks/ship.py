"""Tasks that take the stack's images past this machine: a local registry, and pushing to one."""

from __future__ import annotations

from invoke import Collection, task

from stackops.compose import render
from stackops.console import say, step
from stackops.engine import connect
from stackops.registry import push_images, start_registry, stop_registry
from stackops.settings import load_settings
from stackops.tasks import ENV_HELP, reports_errors


@task(
    help={
        "env": ENV_HELP + " (its BASE_IMAGES decides: the official registry image, or one from Debian packages)",
        "port": "Host port on 127.0.0.1 (default 5000).",
    }
)
@reports_errors
def start(c, env=None, port=5000):
    """Start a local registry on 127.0.0.1, for machines that have none."""
    settings = load_settings(env)
    with step("starting the local registry"):
        address = start_registry(settings, connect(), int(port))
    say(f"  registry  {address}   (REGISTRY={address} in an env file makes inv push use it)")


@task(help={"delete_images": "Also delete the images it stores (its volume); kept by default."})
@reports_errors
def stop(c, delete_images=False):
    """Stop the local registry; the images it stores are kept unless --delete-images."""
    removed = stop_registry(connect(), delete_images)
    say(f"  removed: {', '.join(removed)}" if removed else "  no local registry was running")


@task(help={"env": ENV_HELP})
@reports_errors
def push(c, env=None):
    """Push the stack's built images to the env's REGISTRY, tagged by git commit; print their digests."""
    settings = load_settings(env)
    with step(f"pushing the images of {settings.project}"):
        pushed = push_images(settings, render(settings), connect())
    for image in pushed:
        say(f"  {image.service:<10} {image.tag}\n  {'':<10} {image.digest}")


ns = Collection(push)
registry = Collection("registry", start, stop)
