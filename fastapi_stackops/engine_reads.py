"""A client for the local engine whose container and image reads need no Docker SDK: the standard library over the
socket, everything else handed to the SDK's client, made on first need.

A task's engine reads (is a port ours, is a base image here, are the containers healthy) come before, during and
after Compose; the SDK's import (~70 ms: requests and urllib3 among it) and its teardown would lie on that path at
every `inv up` (Stack.reader). Only an engine at a unix socket chosen without a context is read so; any other is the
SDK's, as are every write and every failed read.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
from collections.abc import Callable, Mapping
from urllib.parse import quote, urlencode

from fastapi_stackops.engine import DEFAULT_SOCKET, ImageAbsent, context_name

TIMEOUT = 30


def local_socket(environ: Mapping[str, str] = os.environ) -> str | None:
    """The engine's socket path when DOCKER_HOST names a unix socket, or neither it nor a docker context is set; None
    when the SDK must resolve it (a context, TCP, ssh)."""
    host = environ.get("DOCKER_HOST") or (DEFAULT_SOCKET if context_name(environ) == "default" else "")
    return host.removeprefix("unix://") if host.startswith("unix://") else None


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str):
        super().__init__("localhost", timeout=TIMEOUT)
        self.socket_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT)
        self.sock.connect(self.socket_path)


def engine_get(path: str, socket_path: str) -> object | None:
    """A GET's JSON answer, None for a 404; OSError for anything else (the SDK then asks, and says what failed)."""
    connection = UnixConnection(socket_path)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
    except (OSError, http.client.HTTPException) as error:
        raise OSError(f"engine GET {path}: {error}") from error
    finally:
        connection.close()
    if response.status == 404:
        return None
    if response.status != 200:
        raise OSError(f"engine GET {path}: {response.status}")
    return json.loads(body)


class Read:
    """A container or image as its inspection shows it, with what the SDK's object says of it; anything else (exec_run,
    logs, short_id) is asked of the SDK's own object, fetched once."""

    def __init__(self, attrs: dict, collection: Collection):
        self.attrs, self.collection, self.id = attrs, collection, attrs["Id"]

    @property
    def labels(self) -> dict:
        return (self.attrs.get("Config") or {}).get("Labels") or {}

    def reload(self) -> None:
        self.sdk_object.reload()
        self.attrs = self.sdk_object.attrs

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Read) and self.id == other.id

    def __hash__(self) -> int:
        return hash(self.id)

    def __getattr__(self, attribute: str):
        if attribute == "sdk_object":
            self.sdk_object = self.collection.sdk_collection().get(self.id)
            return self.sdk_object
        return getattr(self.sdk_object, attribute)


class ReadContainer(Read):
    @property
    def name(self) -> str:
        return self.attrs.get("Name", "").lstrip("/")

    @property
    def status(self) -> str:
        return (self.attrs.get("State") or {}).get("Status", "")


class ReadImage(Read):
    @property
    def tags(self) -> list[str]:
        return self.attrs.get("RepoTags") or []


class Collection:
    """`client.containers` or `client.images`: `list` and `get` read here, the rest is the SDK's."""

    def __init__(self, reads: LocalReads, name: str):
        self.reads, self.name = reads, name

    def sdk_collection(self):
        return getattr(self.reads.sdk(), self.name)

    def __getattr__(self, attribute: str):
        return getattr(self.sdk_collection(), attribute)

    def list(self, all: bool = False, filters: dict | None = None, ignore_removed: bool = False, **others):  # noqa: A002
        if self.name != "containers" or others:
            return self.sdk_collection().list(all=all, filters=filters, **others)
        try:
            return self.reads.listed_containers(all, filters or {}, ignore_removed)
        except OSError:  # the engine does not answer so: the SDK asks, and says why in its own words
            return self.sdk_collection().list(all=all, filters=filters, ignore_removed=ignore_removed)

    def get(self, reference: str):
        if self.name != "images":
            return self.sdk_collection().get(reference)
        try:
            return self.reads.inspected_image(reference)
        except OSError:
            return self.sdk_collection().get(reference)


class LocalReads:
    """The SDK client's face for the reads a task makes before Compose starts; `sdk` makes the real one."""

    def __init__(self, socket_path: str, sdk: Callable[[], object]):
        self.socket_path, self.sdk = socket_path, sdk
        self.containers, self.images = Collection(self, "containers"), Collection(self, "images")

    def __getattr__(self, attribute: str):
        return getattr(self.sdk(), attribute)

    def listed_containers(self, all: bool, filters: dict, ignore_removed: bool) -> list[ReadContainer]:  # noqa: A002
        query = urlencode({"all": int(all), "filters": json.dumps(filters)})
        found = []
        for listed in engine_get(f"/containers/json?{query}", self.socket_path) or []:
            inspected = engine_get(f"/containers/{listed['Id']}/json", self.socket_path)
            if inspected is None and not ignore_removed:
                raise OSError(f"container {listed['Id'][:12]} was removed while listed")
            found += [ReadContainer(inspected, self.containers)] if inspected else []
        return found

    def inspected_image(self, reference: str) -> ReadImage:
        inspected = engine_get(f"/images/{quote(reference, safe='')}/json", self.socket_path)
        if inspected is None:
            raise ImageAbsent(reference)
        return ReadImage(inspected, self.images)
