"""A server's releases and its deploy lock, kept on the host itself so every machine that deploys there sees the same.

The history is one JSON line per release in the proxy's volume; each names
its image (ID, and the tag that keeps it from pruning), the git revision and
the time. The lock is a container named `<project>-deploy-lock`: the engine
creates a name once, so two deploys cannot both take it, and its labels say
who holds it and since when. Only `inv deploy-unlock` removes a lock it did
not take.
"""

from __future__ import annotations

import getpass
import io
import json
import socket
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from fastapi_stackops import StackError
from fastapi_stackops.commands import run
from fastapi_stackops.console import say
from fastapi_stackops.lazy import docker
from fastapi_stackops.waiting import poll, within

HISTORY = "/var/lib/proxy/releases.jsonl"
LOCK_LABEL = "io.stackops.deploy-lock"


@dataclass(frozen=True)
class Release:
    number: int
    image: str  # the image ID it ran
    tag: str  # <entry image>:release-<number>, which keeps it on the host
    revision: str  # git, "-dirty" when the tree had changes
    time: str
    by: str
    note: str = ""  # "rollback to 3"
    backup: str = ""  # what the deploy backed up before its migration (inv restore takes these names)


ROLLBACK = "rollback to "


def returned_to(release: Release, releases: list[Release]) -> Release:
    """The deploy a release stands for: itself, or, for a rollback, the release it returned to (followed through)."""
    by_number = {r.number: r for r in releases}
    seen = set()
    while release.note.startswith(ROLLBACK) and release.number not in seen:
        seen.add(release.number)
        target = by_number.get(int(release.note.removeprefix(ROLLBACK).split()[0]))
        if target is None:
            break
        release = target
    return release


def rollback_target(releases: list[Release], current: Release, to: int | None = None) -> Release:
    """What a rollback returns to: release `to`, else the deploy before the one serving stands for. A second rollback
    goes further back (the serving rollback stands for the deploy it returned to), never forward again."""
    if to is not None:
        asked = next((r for r in releases if r.number == to), None)
        if asked is None:
            raise StackError(f"no release {to} is recorded here; inv releases lists them")
        target = returned_to(asked, releases)
        if target.image == current.image:
            raise StackError(f"release {to} runs the image that serves now (release {current.number}); nothing to switch")
        return target
    standing = returned_to(current, releases)
    before = [r for r in releases if r.number < standing.number and not r.note.startswith(ROLLBACK)]
    before = [r for r in before if r.image != current.image]
    if not before:
        raise StackError(f"release {standing.number} is the first deployed here; there is nothing earlier to roll back to")
    return before[-1]


def backup_before(releases: list[Release], target: Release) -> Release | None:
    """After a rollback to `target`, whose code now meets the database as later deploys migrated it: the first deploy
    after it that backed up before its migration. That backup holds the data as the target's schema had it."""
    later = (r for r in releases if r.number > target.number and not r.note.startswith(ROLLBACK))
    return next((r for r in later if r.backup), None)


def parse_history(text: str) -> list[Release]:
    return [Release(**json.loads(line)) for line in text.splitlines() if line.strip()]


#: Printed after a file read in the proxy, with the file's size: an exec's output that lacks it, or whose text before it
#: is not that size, was cut on the way (docker-py #3332: over an SSH-forwarded socket, exec_run sometimes returns
#: less output than was written, with exit 0), never a shorter file.
READ_WHOLE = "--stackops-read-whole--"
READ_SCRIPT = f'n=0; if [ -e "$1" ]; then cat "$1"; n=$(wc -c < "$1"); fi; echo; echo {READ_WHOLE} $n'


def whole_read(said: bytes) -> str | None:
    """The file's text from a read's output, or None when the output came back cut."""
    text, marker, size = said.rpartition(f"\n{READ_WHOLE} ".encode())
    if not marker or not size.strip().isdigit() or len(text) != int(size):
        return None
    return text.decode(errors="replace")


def read_on_host(proxy, path: str, attempts: int = 3) -> str:
    """A file in the proxy's volume ("" when it does not exist), asked again when the answer came back cut, the last
    time as an archive (a plain HTTP answer the engine frames itself: under load, three exec answers in a row came
    back cut); a read that fails, or never comes back whole, is said, never taken for a shorter file."""
    for _ in range(attempts - 1):
        result = proxy.exec_run(["sh", "-c", READ_SCRIPT, "read", path])
        if result.exit_code != 0:
            said = result.output.decode(errors="replace")
            raise StackError(f"could not read {path} on the host (exit {result.exit_code}): {said.strip()[-300:]}")
        text = whole_read(result.output)
        if text is not None:
            return text
    return archived(proxy, path)


def archived(proxy, path: str) -> str:
    """The file's text through the engine's archive endpoint ("" when there is no such file)."""
    try:
        chunks, _ = proxy.get_archive(path)
        with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as archive:
            member = archive.extractfile(archive.getmembers()[0])
            return member.read().decode(errors="replace") if member else ""
    except docker.errors.NotFound:
        return ""
    except (docker.errors.APIError, tarfile.TarError, IndexError, OSError) as error:
        raise StackError(
            f"could not read {path} on the host: the engine's answer came back cut ({error}); run it again"
        ) from None


def history(proxy) -> list[Release]:
    """The releases recorded on the host, oldest first; none on a host never deployed to. A history that cannot be
    read is said, never taken for none: `releases` would say nothing serves while a release does."""
    try:
        return parse_history(read_on_host(proxy, HISTORY))
    except StackError as error:
        raise StackError(f"could not read the release history on the host: {error}") from None


def record(proxy, release: Release) -> None:
    line = json.dumps(asdict(release))
    result = proxy.exec_run(["sh", "-c", f'printf "%s\\n" "$1" >> {HISTORY}', "record", line])
    if result.exit_code != 0:
        raise StackError(
            f"could not record release {release.number} on the host: {result.output.decode(errors='replace').strip()}"
        )


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def who() -> str:
    return f"{getpass.getuser()}@{socket.gethostname()}"


def git_revision(root) -> str:
    """The commit being deployed, `-dirty` if the tree differs from it; "" outside git."""
    head = run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"], capture=True, check=False)
    if head.returncode != 0:
        return ""
    dirty = run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"], capture=True, check=False)
    return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def lock_name(project: str) -> str:
    return f"{project}-deploy-lock"


def holder(container) -> str:
    labels = container.labels
    return f"{labels.get(LOCK_LABEL + '.by', '?')} since {labels.get(LOCK_LABEL + '.since', '?')}"


def _take(client: docker.DockerClient, project: str, image: str):
    labels = {LOCK_LABEL: project, f"{LOCK_LABEL}.by": who(), f"{LOCK_LABEL}.since": now()}
    try:
        return client.containers.create(image, name=lock_name(project), labels=labels, entrypoint=["true"])
    except docker.errors.APIError as error:
        if error.status_code != 409:  # 409: the name is taken, so is the lock
            raise
        return None


def _held_by(client: docker.DockerClient, project: str) -> str:
    try:
        return holder(client.containers.get(lock_name(project)))
    except docker.errors.NotFound:
        return "a deploy that just ended"


@contextmanager
def deploy_lock(client: docker.DockerClient, project: str, image: str, wait: int, where: str, env: str) -> Iterator[None]:
    """Hold the host's deploy lock for the block; wait up to `wait` seconds for another deploy, then fail naming it and
    the exact command that releases it (`--env` included: without it, another env's lock would go)."""
    lock = _take(client, project, image)
    if lock is None and wait:
        say(f"    waiting up to {wait}s for the deploy lock of {project}, held by {_held_by(client, project)}")
        lock = poll(lambda: _take(client, project, image), within(wait), interval=1)
    if lock is None:
        raise StackError(
            f"another deploy of {project} to {where} holds its lock ({_held_by(client, project)}); waited {wait}s. "
            f"If that deploy was killed, release the lock with: inv deploy-unlock --env {env}"
        )
    try:
        yield
    finally:
        lock.remove(force=True, v=True)  # v: the anonymous volumes the image declares (one leaked per deploy)


def unlock(client: docker.DockerClient, project: str) -> str | None:
    """Remove the host's deploy lock on purpose; who held it, or None if nobody did."""
    try:
        held = client.containers.get(lock_name(project))
    except docker.errors.NotFound:
        return None
    if held.labels.get(LOCK_LABEL) != project:
        raise StackError(f"container {held.name} is not a stackops deploy lock; not removing it")
    held.remove(force=True, v=True)
    return holder(held)
