"""A "remote" Docker host on this machine, for trying a server deploy: an engine and sshd in one container, reached over real SSH.

`host_up` generates a client key and a host key (so known_hosts is strict,
never trust-on-first-use), starts the container with both mounted, and writes
an ssh_config naming it; an env then names it in DOCKER_HOST (`ssh_address`)
and SSH_CONFIG=<that file>. `host_down` removes exactly what `host_up` made:
the container, its engine's storage (an anonymous volume) and the key folder.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from fastapi_stackops import StackError
from fastapi_stackops.baseimages import ensure_image
from fastapi_stackops.commands import run
from fastapi_stackops.console import step
from fastapi_stackops.engine import label_filter
from fastapi_stackops.lazy import docker
from fastapi_stackops.settings import StackSettings
from fastapi_stackops.ship.cluster import NODE_IMAGE, engine_container
from fastapi_stackops.target import ssh_address

LABEL = "io.stackops.test-host"
NAME = "stackops-test-host"
# The Swarm worker's image (an engine in a container, with sshd), run by another entrypoint.
ENTRYPOINT = ["/usr/local/bin/ssh-host.sh"]
KEYS = Path.home() / ".cache" / "stackops" / "test-host"
SSH_CONFIG = """Host {name}
  HostName {address}
  User root
  IdentityFile {keys}/id_ed25519
  IdentitiesOnly yes
  HostKeyAlias {name}
  UserKnownHostsFile {keys}/known_hosts
  StrictHostKeyChecking yes
"""


@dataclass(frozen=True)
class TestHost:
    address: str  # the host's IP: where its published ports answer
    docker_host: str
    ssh_config: Path


def _keys(folder: Path) -> None:
    """A client key and a host key, made once; authorized_keys and known_hosts from them."""
    if not shutil.which("ssh-keygen"):
        raise StackError(
            "the test host is reached over SSH, and there is no ssh client here; install it (apt-get install openssh-client)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("id_ed25519", "ssh_host_ed25519_key"):
        if not (folder / name).exists():
            run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", NAME, "-f", str(folder / name)], capture=True)
    shutil.copy(folder / "id_ed25519.pub", folder / "authorized_keys")
    (folder / "known_hosts").write_text(f"{NAME} {(folder / 'ssh_host_ed25519_key.pub').read_text()}")


def host_up(settings: StackSettings, client: docker.DockerClient) -> TestHost:
    """Start (or find) the test host; answer only once its engine answers over SSH."""
    _keys(KEYS)
    image = ensure_image(NODE_IMAGE, settings, client)
    with step("starting the test host (an engine and sshd in a container)"):
        keys = {str(KEYS): {"bind": "/keys", "mode": "ro"}}
        container = engine_container(client, image, NAME, {LABEL: "1"}, "inv test-host.up", entrypoint=ENTRYPOINT, volumes=keys)
    address = container.attrs["NetworkSettings"]["IPAddress"]
    config = KEYS / "ssh_config"
    config.write_text(SSH_CONFIG.format(name=NAME, address=address, keys=KEYS))
    with step(f"checking its engine over ssh ({address})"):
        ssh = ["ssh", "-F", str(config), "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", NAME]
        run([*ssh, "docker", "version", "--format", "{{.Server.Version}}"], capture=True, what="the test host's sshd or engine")
    return TestHost(address, ssh_address(NAME), config)


def host_down(client: docker.DockerClient) -> list[str]:
    """Remove the test host's container, its engine's storage and its keys; nothing else."""
    removed = []
    for container in client.containers.list(all=True, filters=label_filter((LABEL, None))):
        container.remove(force=True, v=True)
        removed.append(f"container {container.name} (and its engine's storage)")
    if KEYS.exists():
        shutil.rmtree(KEYS)
        removed.append(f"keys {KEYS}")
    return removed
