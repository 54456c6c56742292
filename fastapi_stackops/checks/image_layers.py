"""The paths an image's own layers add, read from the engine's export as it streams: never the whole image on disk,
which for a 7 GB image (torch's) filled the disk the check ran on."""

from __future__ import annotations

import io
import json
import posixpath
import tarfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from fastapi_stackops.lazy import docker

#: How long the engine may take before the next bytes of an image's export: a 7 GB image (torch's) took more than
#: the client's usual 30 s before its first (amrit2356/template-fastapi-rest's smoke failed on a read timeout).
EXPORT_SECONDS = 600


@contextmanager
def patient(client: docker.DockerClient) -> Iterator[None]:
    """The client waiting up to EXPORT_SECONDS for the engine's next bytes, then as before."""
    before, client.api.timeout = client.api.timeout, max(client.api.timeout, EXPORT_SECONDS)
    try:
        yield
    finally:
        client.api.timeout = before


class ChunkStream(io.RawIOBase):
    """A readable file over an iterable of byte chunks (the engine's export), read once, front to back."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self.chunks, self.left = iter(chunks), b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self.left:
            self.left = next(self.chunks, None)
            if self.left is None:
                self.left = b""
                return 0
        size = min(len(buffer), len(self.left))
        buffer[:size], self.left = self.left[:size], self.left[size:]
        return size


def layer_paths(layer: io.BufferedIOBase) -> dict[str, bool]:
    """Each path a layer holds (whiteouts aside), and whether it can hold anything."""
    with tarfile.open(fileobj=layer, mode="r|") as tar:
        return {m.name: not holds_nothing(m) for m in tar if "/.wh." not in f"/{m.name}"}


def holds_nothing(member: tarfile.TarInfo) -> bool:
    """An empty file, or a link into /tmp (a tmpfs at run time: the .env an entrypoint writes there from the
    environment), holds nothing in the image."""
    return (member.isfile() and member.size == 0) or (member.issym() and member.linkname.startswith("/tmp/"))


def added_files(client: docker.DockerClient, image, skip: int) -> dict[str, bool]:
    """Every path in the image's layers after the first `skip` (its base image's), and whether it can hold anything (the
    empty .env a Dockerfile touches for an app that reads one at import leaks nothing). Content in any layer stays in
    the image, even when a later layer empties the file."""
    layers, links, manifest = {}, {}, []
    with patient(client), tarfile.open(fileobj=io.BufferedReader(ChunkStream(image.save(named=False))), mode="r|") as outer:
        for member in outer:
            if member.name == "manifest.json":
                manifest = json.load(outer.extractfile(member))[0]["Layers"]
            elif member.issym():  # a layer the export holds once, under another layer's name
                links[member.name] = posixpath.normpath(posixpath.join(posixpath.dirname(member.name), member.linkname))
            elif member.isfile() and member.name.endswith(".tar"):
                layers[member.name] = layer_paths(outer.extractfile(member))
    names: dict[str, bool] = {}
    for path in manifest[skip:]:
        for name, holds in layers.get(links.get(path, path), {}).items():
            names[name] = names.get(name, False) or holds
    return names
