"""fastapi_stackops/checks/image_layers.py: the paths an image's own layers add, read from its export as it streams."""

from __future__ import annotations

import io
import json
import tarfile
import tempfile
from types import SimpleNamespace

import pytest

from fastapi_stackops.checks.image_layers import EXPORT_SECONDS, added_files


def tar_of(entries: list[tuple[str, bytes | str]]) -> bytes:
    """A tar of (name, content) files; a str content is a symlink's target."""
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        for name, content in entries:
            info = tarfile.TarInfo(name)
            if isinstance(content, str):
                info.type, info.linkname = tarfile.SYMTYPE, content
                tar.addfile(info)
            else:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    return archive.getvalue()


#: An engine's export, as `docker save` writes it: the layers first, one held once under two names, the manifest last.
BASE = tar_of([("etc/os-release", b"debian")])
#: The empty .env a Dockerfile touches, and the link into /tmp its entrypoint writes (a dotenv_values() file), hold
#: nothing; a link elsewhere may.
OWN = tar_of(
    [
        ("srv/main.py", b"app"),
        ("srv/.env", b""),
        ("srv/config/.env", "/tmp/.env"),
        ("srv/settings.env", "config/.env"),
        ("srv/.wh.old.py", b""),
    ]
)
EXPORT = tar_of(
    [
        ("a/layer.tar", BASE),
        ("b/layer.tar", OWN),
        ("c/layer.tar", "../b/layer.tar"),
        ("manifest.json", json.dumps([{"Layers": ["a/layer.tar", "b/layer.tar", "c/layer.tar"]}]).encode()),
    ]
)


def test_the_paths_of_an_images_own_layers_are_read_from_its_export_in_small_chunks_and_the_engine_is_waited_for(
    monkeypatch,
):
    """amrit2356/template-fastapi-rest: a 7 GB image's export sent nothing within the client's 30 s, then filled the
    disk it was copied to whole; it is read as it streams now, never copied."""
    monkeypatch.setattr(tempfile, "TemporaryFile", lambda *a, **k: pytest.fail("the export was copied to disk"))
    client = SimpleNamespace(api=SimpleNamespace(timeout=30))
    waited = []

    def save(named):
        waited.append(client.api.timeout)
        return (EXPORT[i : i + 1000] for i in range(0, len(EXPORT), 1000))

    own = {"srv/main.py": True, "srv/.env": False, "srv/config/.env": False, "srv/settings.env": True}
    assert added_files(client, SimpleNamespace(save=save), 1) == own
    assert waited == [EXPORT_SECONDS] and client.api.timeout == 30
    assert added_files(client, SimpleNamespace(save=save), 0)["etc/os-release"] is True
