"""Dependencies installed from a version-control repository, not an index: `name @ git+https://github.com/...` in a
requirements file or [project]'s list, a uv.lock's `source = { git = ... }`, a poetry.lock's git source. The builder
needs git for them; and where their host does not answer, the build cannot fetch them: refused before any build,
in one line (AymanAlSuleihi/fastapi-async-starter, ricardodani/fastapi-simple-todo, shuji-oshiro/order-system-vue-
fastapi: "Git executable not found")."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from fastapi_stackops.adopt.findings import NotAFastAPIRepository
from fastapi_stackops.adopt.package_index import answers
from fastapi_stackops.adopt.wheels import included_files, text_of

#: The files beside a requirements file that name what the install fetches (a Pipfile's git sources are left out of
#: its install: pipfile.py).
DEPENDENCY_FILES = ("pyproject.toml", "uv.lock", "poetry.lock", "setup.py")
#: A repository a dependency comes from: pip's and uv's `git+https://...`, uv.lock's `git = "https://..."`,
#: poetry.lock's `type = "git"` source beside its `url = "https://..."`.
GIT_SOURCE = re.compile(
    r"""git\+(https?://[^\s"'#;@]+(?:@[^\s"'#;]+)?)|\bgit\s*=\s*["'](https?://[^"']+)|type\s*=\s*"git"\s*\nurl\s*=\s*"(https?://[^"]+)\""""
)
#: The builder's step that brings git, for this stage only.
GIT_STEP = (
    "# git, for this stage only: a dependency comes from a git repository.\n# hadolint ignore=DL3008\n"
    "RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*\n"
)


def git_sources(root: Path, requirements: str) -> list[str]:
    """The git repositories the install fetches dependencies from, as URLs, from the root's dependency files and the
    requirements file (the root's when none is chosen) with the files it includes."""
    listed = requirements or "requirements.txt"
    names = [*DEPENDENCY_FILES, listed, *included_files(root, listed)]
    texts = [text_of(root / name) for name in names if (root / name).is_file()]
    return list(dict.fromkeys(next(url for url in found if url) for text in texts for found in GIT_SOURCE.findall(text)))


def git_step(root: Path, requirements: str) -> str:
    """The builder's line that installs git, when a dependency comes from a git repository; "" otherwise."""
    return GIT_STEP if git_sources(root, requirements) else ""


def refuse_unreached_git_sources(root: Path, requirements: str) -> None:
    """A dependency from a git repository whose host does not answer from here: refused, naming it and the host."""
    for url in git_sources(root, requirements):
        host = urlsplit(url).hostname or ""
        if not answers(f"https://{host}"):
            raise NotAFastAPIRepository(
                f"a dependency comes from {url}, and {host} does not answer here: the build cannot fetch it; install it "
                f"from an index instead, or build where {host} answers"
            )
