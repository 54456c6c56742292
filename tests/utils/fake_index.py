"""A package index in memory, for requests.Session.get: its PEP 691 pages and the files they link to."""

from __future__ import annotations

import io
import tarfile

import requests


class Stream(io.BytesIO):
    """A response's raw stream, as urllib3 reads it."""

    def read(self, size: int | None = -1, decode_content: bool = False) -> bytes:
        return super().read(size)


class Answer:
    """One answer of the index: a page's JSON, or a file's bytes read as a stream."""

    def __init__(self, files: list[dict] | None = None, data: bytes = b"", missing: bool = False):
        self.files, self.raw, self.status_code = files or [], Stream(data), 404 if missing else 200

    def raise_for_status(self) -> None:
        if self.status_code == 404:  # a package the index has no page of
            raise requests.HTTPError("404 Not Found", response=self)

    def json(self) -> dict:
        return {"files": self.files}

    def __enter__(self) -> Answer:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def answering(files: list[dict] | dict[str, list[dict]], archives: dict[str, bytes] | None = None):
    """A Session.get that answers a URL ending in an archive's name with its bytes, and every page with `files`, or
    with the files `files` lists under the page's package name (404 for one it lists as None)."""

    def get(session, url: str, **kwargs) -> Answer:
        archive = next((data for name, data in (archives or {}).items() if url.endswith(name)), None)
        if archive is not None:
            return Answer(data=archive)
        if isinstance(files, dict):  # None for a package: the index has no page of it
            listed = files.get(url.rstrip("/").rsplit("/", 1)[-1], [])
            return Answer(missing=True) if listed is None else Answer(listed)
        return Answer(files)

    return get


def sdist(top: str, files: dict[str, str]) -> bytes:
    """A .tar.gz source distribution: each file under the `top` folder, as sdists keep them."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            member = tarfile.TarInfo(f"{top}/{name}")
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return out.getvalue()
