"""fastapi_stackops/adopt/vcs_dependencies.py: dependencies from a git repository get git in the builder, and are
refused before any build where their host does not answer."""

from __future__ import annotations

import pytest
import requests

from fastapi_stackops.adopt.findings import NotAFastAPIRepository
from fastapi_stackops.adopt.image import dockerfile_text
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.vcs_dependencies import GIT_STEP, git_sources, refuse_unreached_git_sources
from tests.unit.shapes import APP
from tests.utils import written

WHISPER = "https://github.com/openai/whisper.git"


@pytest.mark.parametrize(
    ("files", "requirements", "sources"),
    [
        # shuji-oshiro/order-system-vue-fastapi: uv.lock's git source; the build stopped on "Git executable not found".
        (
            {"uv.lock": f'[[package]]\nname = "openai-whisper"\nsource = {{ git = "{WHISPER}#dd985ac" }}\n'},
            "",
            [f"{WHISPER}#dd985ac"],
        ),
        ({"requirements.txt": f"fastapi\nopenai-whisper @ git+{WHISPER}@v20240930\n"}, "", [f"{WHISPER}@v20240930"]),
        # the chosen requirements file, and a file it includes, not the root's
        ({"requirements/prod.txt": f"fastapi\nopenai-whisper @ git+{WHISPER}\n"}, "requirements/prod.txt", [WHISPER]),
        (
            {"req.txt": "-r base.txt\n", "base.txt": f"openai-whisper @ git+{WHISPER}\n", "requirements.txt": "fastapi\n"},
            "req.txt",
            [WHISPER],
        ),
        # ricardodani/fastapi-simple-todo: poetry.lock's git source
        ({"poetry.lock": f'[package.source]\ntype = "git"\nurl = "{WHISPER}"\nreference = "main"\n'}, "", [WHISPER]),
        ({"requirements.txt": "fastapi\n# see https://github.com/x/y for docs\n"}, "", []),  # a comment's link fetches nothing
    ],
)
def test_the_git_repositories_dependencies_come_from_are_read_from_the_dependency_files(tmp_path, files, requirements, sources):
    assert git_sources(written(tmp_path, files), requirements) == sources


@pytest.mark.parametrize("answers", [True, False])
def test_a_git_dependency_gets_git_in_the_builder_and_is_refused_where_its_host_does_not_answer(tmp_path, monkeypatch, answers):
    def head(url, timeout):
        if not answers:
            raise requests.ConnectionError(url)

    monkeypatch.setattr(requests, "head", head)
    root = written(tmp_path, {"requirements.txt": f"fastapi\nopenai-whisper @ git+{WHISPER}\n", "main.py": APP})
    if not answers:
        with pytest.raises(NotAFastAPIRepository, match=f"^a dependency comes from {WHISPER}, and github.com does not answer"):
            refuse_unreached_git_sources(root, "requirements.txt")
        return
    builder = dockerfile_text(read_repository(root), "/health", False).split(" AS builder\n", 1)[1].split("\nFROM ", 1)[0]
    assert GIT_STEP in builder
