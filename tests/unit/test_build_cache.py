"""build_cache.py: what the build lays over the stack's Compose files, and a folder the engine cannot load."""

import json

from fastapi_stackops import build_cache
from fastapi_stackops.lazy import docker


def test_every_built_service_writes_its_cache_inline_and_builds_from_what_the_folder_held():
    laid = json.loads(build_cache.override(["web", "worker"], ["stackops-build-cache:web"]))
    assert laid["services"]["worker"]["build"] == {
        "args": {"BUILDKIT_INLINE_CACHE": "1"},
        "cache_from": ["stackops-build-cache:web"],
    }
    assert "cache_from" not in json.loads(build_cache.override(["web"], []))["services"]["web"]["build"]


class Engine:
    def __init__(self, answers):
        self.answers = answers
        self.api = self

    def load_image(self, data, quiet):
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return [answer if isinstance(answer, dict) else {"stream": answer}]


def test_an_archive_the_engine_cannot_load_is_said_and_skipped_and_the_others_still_count(tmp_path, capsys):
    for name in ("api", "web", "worker"):
        (tmp_path / f"stackops-build-cache-{name}.tar").write_bytes(b"")
    (tmp_path / "notes.tar").write_bytes(b"")  # not the cache's: never read
    cut = docker.errors.APIError("500", explanation="unexpected EOF")
    # The engine's two ways to refuse: an error status, or an error line in a stream it answered 200.
    truncated = {"error": "Error processing tar file(exit status 1): unexpected EOF"}
    engine = Engine([cut, truncated, "Loaded image: stackops-build-cache:worker\n"])
    assert build_cache.restored(engine, tmp_path) == ["stackops-build-cache:worker"]
    said = capsys.readouterr().out
    assert "stackops-build-cache-api.tar not loaded, built without it: unexpected EOF" in said
    assert "stackops-build-cache-web.tar not loaded, built without it: Error processing tar file" in said
