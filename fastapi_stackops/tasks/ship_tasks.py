"""Tasks that take the stack past this machine: a registry, Docker Swarm, and a local two-node swarm to try it on."""

from __future__ import annotations

import time

from invoke import Collection

from fastapi_stackops.console import say, step
from fastapi_stackops.lazy import lazy_import
from fastapi_stackops.tasks.shared import ENV_HELP, count, open_stack, stack_task

local_cluster = lazy_import("fastapi_stackops.ship.cluster")
engine = lazy_import("fastapi_stackops.engine")
lifecycle = lazy_import("fastapi_stackops.lifecycle")
registry_images = lazy_import("fastapi_stackops.ship.registry")
swarm = lazy_import("fastapi_stackops.ship.swarm")
server_tasks = lazy_import("fastapi_stackops.tasks.server_tasks")


@stack_task(
    help={
        "env": ENV_HELP + " (its BASE_IMAGES decides: the official registry image, or one from Debian packages)",
        "port": "Host port on 127.0.0.1 (default 5000).",
    }
)
def start(c, env=None, port=5000):
    """Start a local registry on 127.0.0.1, for machines that have none."""
    stack = open_stack(env)
    with step("starting the local registry"):
        address = registry_images.start_registry(stack.settings, stack.client, int(port))
    say(f"  registry  {address}   (REGISTRY={address} in an env file makes inv push use it)")


@stack_task(help={"delete_images": "Also delete the images it stores (its volume); kept by default."})
def stop(c, delete_images=False):
    """Stop the local registry; the images it stores are kept unless --delete-images."""
    removed = registry_images.stop_registry(engine.connect(), delete_images)
    say(f"  removed: {', '.join(removed)}" if removed else "  no local registry was running")


@stack_task(help={"env": ENV_HELP})
def push(c, env=None):
    """Push the stack's built images to the env's REGISTRY, tagged by git commit; print their digests."""
    stack = open_stack(env)
    with step(f"pushing the images of {stack.project}"):
        pushed = registry_images.push_images(stack)
    for image in pushed:
        say(f"  {image.service:<10} {image.tag}\n  {'':<10} {image.digest}")


@stack_task(
    help={
        "env": ENV_HELP + " (PROXY_PORT: to its one server behind a proxy; else to the swarm, REGISTRY where nodes pull from)",
        "build": "Build the images first (default); --no-build deploys what is built.",
        "timeout": "Seconds until every service converged, or the new release is healthy (default 300; 120 on a server).",
        "lock_wait": "On a server: seconds to wait for another deploy to it to finish (default 300).",
    }
)
def deploy(c, env=None, build=True, timeout=None, lock_wait=300):
    """Deploy: to the env's server with no downtime (PROXY_PORT), else to the swarm this engine manages."""
    started = time.monotonic()
    say(f"==> deploy ({env or 'the default env'}): reading it and reaching its engine")
    stack = open_stack(env)
    if stack.settings.behind_proxy:
        server_tasks.server_deploy(stack, build, timeout or 120, lock_wait, started)
        return
    timeout = timeout or 300
    swarm.require_manager(stack.client)
    if build:
        lifecycle.build(stack)
    deployed = swarm.deploy(stack, count(timeout, "timeout"))
    say(f"{stack.project} converged in {deployed.seconds:.1f}s")
    for address in deployed.addresses:
        say(f"  {address.task:<12} {address.node:<24} {address.url}")


@stack_task(help={"env": ENV_HELP, "volumes": "Also DELETE the stack's volumes on this node, and with them its data."})
def undeploy(c, env=None, volumes=False):
    """Remove the stack from the swarm; its volumes are kept unless --volumes."""
    removed = swarm.undeploy(open_stack(env), volumes)
    say(f"  removed: {', '.join(removed)}" if removed else "  nothing of this stack was deployed")


@stack_task(
    name="up", help={"env": ENV_HELP + " (CLUSTER_MANAGER_LABELS label the manager; REGISTRY, if on 127.0.0.1, is started)"}
)
def cluster_up(c, env=None):
    """Make a local two-node swarm: this engine as manager, an engine in a container as worker."""
    stack = open_stack(env)
    with step("making the local two-node swarm"):
        nodes = local_cluster.cluster_up(stack.settings, stack.client)
    for node in nodes:
        labels = ",".join(f"{k}={v}" for k, v in node.labels.items())
        say(f"  {node.role:<8} {node.hostname:<24} {node.address:<15} {node.state}  {labels}")


@stack_task(name="down")
def cluster_down(c):
    """Remove the local swarm and everything inv cluster.up made; nothing else."""
    removed = local_cluster.cluster_down(engine.connect(timeout=engine.SLOW_REMOVAL))
    say(f"  removed: {', '.join(removed)}" if removed else "  no local cluster was running")


ns = Collection(push, deploy, undeploy)
registry = Collection("registry", start, stop)
cluster = Collection("cluster", cluster_up, cluster_down)
