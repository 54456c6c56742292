"""Which engine an env's tasks talk to: this machine's, or a server's named by DOCKER_HOST=ssh://user@host[:port].

The env's DOCKER_HOST is read here once, when its settings load; nothing else
parses it. A server is reached through tunnels this process opens and closes.

One `ssh` forwards a local socket to the host's engine socket, so Compose,
the docker CLI and the SDK all talk to the remote engine as to a local one,
over one connection per task (the CLI's own ssh:// transport starts an ssh per
request). Further tunnels forward a port the remote engine published, so
probes reach the service the way its user on that machine would. SSH_CONFIG
names an ssh_config file (identity, known hosts) when ~/.ssh/config is not
the one to use. Every tunnel closes when the task ends.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from fastapi_stackops import StackError
from fastapi_stackops.engine import engine_endpoint
from fastapi_stackops.waiting import poll, within

if TYPE_CHECKING:
    from collections.abc import Mapping

    from fastapi_stackops.envfiles import EnvValue

ENGINE_SOCKET = "/var/run/docker.sock"
_open: dict[tuple, Tunnel] = {}
_this_machine: list[str] = []  # its engine's address, kept before a tunnel takes DOCKER_HOST


@dataclass(frozen=True)
class LocalTarget:
    """This machine's engine, as the docker CLI finds it (DOCKER_HOST, else the current context)."""

    remote = False
    label = "this machine's engine"  # what messages call it

    def engine_address(self) -> str | None:
        return None  # the SDK's and the CLI's own resolution

    def with_engine(self, env: dict[str, str], engine: bool = True) -> dict[str, str]:
        return env

    def url(self, host: str, port: int) -> str:
        """How a port the engine published is reached from here."""
        return f"http://{host}:{port}"

    def public_host(self) -> str:
        return "127.0.0.1"


@dataclass(frozen=True)
class SshTarget:
    destination: str  # user@host, or an ssh_config alias
    port: str
    config: str  # an ssh_config file, or "" for ssh's own
    where: str  # env file and line, for errors
    config_where: str = ""

    def usable(self) -> None:
        """What connecting needs here; checked when a tunnel opens, not when settings load (`inv lint` connects nowhere)."""
        if shutil.which("ssh") is None:
            raise StackError(
                f"{self.where}: DOCKER_HOST is ssh:// but no ssh client is installed (apt-get install openssh-client)"
            )
        if self.config and not Path(self.config).is_file():
            raise StackError(f"{self.config_where}: SSH_CONFIG names {self.config}, which does not exist")

    remote = True

    @property
    def address(self) -> str:
        return ssh_address(self.destination, self.port)

    @property
    def label(self) -> str:
        return self.address

    def engine_address(self) -> str:
        """The tunnel to the host's engine, opened once per process."""
        return engine_socket(self)

    def with_engine(self, env: dict[str, str], engine: bool = True) -> dict[str, str]:
        """A process's environment pointed at the host's engine through the tunnel; without `engine` (rendering the
        files needs none) no tunnel is opened, and the ssh:// address, which Compose would dial itself, is dropped."""
        env = {k: v for k, v in env.items() if k != "DOCKER_HOST"}
        return env | {"DOCKER_HOST": engine_socket(self)} if engine else env

    def url(self, host: str, port: int) -> str:
        """A port the host's engine published, reached through a tunnel, as its own user on that machine would."""
        return f"http://127.0.0.1:{forwarded_port(self, host, port)}"

    def public_host(self) -> str:
        return self.hostname()

    def ssh(self, *args: str) -> list[str]:
        options = ["-F", self.config] if self.config else []
        options += ["-p", self.port] if self.port else []
        return ["ssh", *options, "-o", "BatchMode=yes", "-o", "ConnectTimeout=15", *args, self.destination]

    def hostname(self) -> str:
        """The host ssh connects to, as its config resolves an alias: where the host's published ports are."""
        shown = subprocess.run(self.ssh("-G"), capture_output=True, text=True, check=False)
        for line in shown.stdout.splitlines():
            key, _, value = line.partition(" ")
            if key == "hostname":
                return value
        return urlsplit(self.address).hostname or self.destination


def ssh_address(destination: str, port: str = "") -> str:
    """The DOCKER_HOST value that names a server reached over SSH."""
    return f"ssh://{destination}" + (f":{port}" if port else "")


def engine_target(values: Mapping[str, EnvValue], root: Path) -> LocalTarget | SshTarget:
    """The server the env's DOCKER_HOST names if it is ssh://, else this machine's engine. Read once, with the rest of
    its settings."""
    host, config_entry = values.get("DOCKER_HOST"), values.get("SSH_CONFIG")
    address = host.value if host else ""
    if not address.startswith("ssh://"):
        return LocalTarget()
    parts = urlsplit(address)
    if not parts.hostname or parts.path not in ("", "/"):
        raise StackError(f"{host.where}: DOCKER_HOST={address} is not ssh://[user@]host[:port]")
    destination = (f"{parts.username}@" if parts.username else "") + parts.hostname
    config = config_entry.value if config_entry else ""
    config = str((root / Path(config).expanduser()).resolve()) if config else ""
    port = str(parts.port) if parts.port else ""
    return SshTarget(destination, port, config, host.where, config_entry.where if config else "")


def _ends_with_this_process() -> None:
    """In the ssh child, on Linux: be sent SIGTERM when the task's process dies, even killed (no atexit runs then)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG


class Tunnel:
    """One `ssh -N -L`: a local socket or port forwarded to the remote host; closed at exit."""

    def __init__(self, target: SshTarget, local: str, remote: str, ready, address):
        self.address = address
        target.usable()
        forward = ["-N", "-o", "ExitOnForwardFailure=yes", "-o", "ServerAliveInterval=15", "-L", f"{local}:{remote}"]
        self.process = subprocess.Popen(
            target.ssh(*forward),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=_ends_with_this_process,
            start_new_session=True,  # a terminal's Ctrl-C reaches the task, which still needs the tunnel to clean up
        )
        atexit.register(self.close)
        state = poll(lambda: "ready" if ready() else ("exited" if self.process.poll() is not None else None), within(20), 0.1)
        if state != "ready":
            self.close()
            said = (self.process.stderr.read().decode(errors="replace").strip().splitlines() or ["no answer in 20s"])[-1]
            raise StackError(f"cannot reach {target.address} over ssh: {said} (DOCKER_HOST is set at {target.where})")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def engine_socket(target: SshTarget) -> str:
    """unix:// address of a local socket forwarded to the host's engine: opened once per process."""
    key = (target, ENGINE_SOCKET)
    if key not in _open:
        folder = tempfile.mkdtemp(prefix="stackops-ssh-")
        atexit.register(shutil.rmtree, folder, True)
        local = f"{folder}/docker.sock"
        _open[key] = Tunnel(target, local, ENGINE_SOCKET, lambda: Path(local).exists(), f"unix://{local}")
        # The docker CLI a recipe runs (docker import) and the SDK read it here.
        _this_machine.append(_this_machine[0] if _this_machine else engine_endpoint()[1])
        os.environ["DOCKER_HOST"] = _open[key].address
    return _open[key].address


def this_machines_engine() -> str:
    """This machine's engine (DOCKER_HOST, else the docker context) as it was before a tunnel took DOCKER_HOST."""
    return _this_machine[0] if _this_machine else engine_endpoint()[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def forwarded_port(target: SshTarget, host: str, port: int) -> int:
    """A port on 127.0.0.1 here that reaches host:port as seen on the remote machine."""
    key = (target, f"{host}:{port}")
    if key not in _open:
        local = _free_port()

        def listening() -> bool:
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", local)) == 0

        _open[key] = Tunnel(target, f"127.0.0.1:{local}", f"{host}:{port}", listening, local)
    return _open[key].address
