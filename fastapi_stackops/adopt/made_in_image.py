"""What the runtime image makes for the app beside its code, as RUN lines: what the app reads or writes at import that
the repository does not hold (an env file, a folder another build fills, a file it writes), the package it imports
itself as, and the metadata of its own distribution, which only an install of the project would write."""

from __future__ import annotations

from pathlib import Path

from fastapi_stackops.adopt.code_databases import committed_sqlite
from fastapi_stackops.adopt.conventions import CODE_DIR, DATA_DIR, UID, in_the_image
from fastapi_stackops.adopt.dotenv_reads import entrypoint_lines
from fastapi_stackops.adopt.local_forward import forwarder_entry
from fastapi_stackops.adopt.opened_files import example_target
from fastapi_stackops.adopt.repository import Repository


def made_in_image(repo: Repository) -> str:
    """Every RUN line of these, in the order the image makes them."""
    made = placeholders(repo) + links(repo) + itself_as_package(repo) + own_metadata(repo)
    return made + entrypoint_lines(repo.dotenv_files, forwarder_entry(repo))


def links(repo: Repository) -> str:
    """Files the app writes beside its code at import, as links into /tmp: the root filesystem is read-only. An SQLite
    file the code names there is a link into the data volume instead (SQLite puts its journal beside the file a link
    leads to)."""
    made = " && ".join(
        (f"mkdir -p {Path(path).parent} && " if str(Path(path).parent) != CODE_DIR else "")
        + f"ln -sf /tmp/{Path(path).name} {path}"
        for path in repo.linked
    )
    written = f"# The app writes these beside its code at import: links into /tmp, a tmpfs.\nRUN {made}\n" if made else ""
    if repo.sqlite_in_code:
        why = f"The code opens its SQLite file at {repo.sqlite_in_code}: a link into the data volume, where it persists."
        written += volume_link(repo.sqlite_in_code, repo.sqlite_in_code, why)
    if seed := committed_sqlite(repo.root, repo.sqlite_in_code):
        why = "The repository commits that file: a new data volume starts as a copy of it (an existing one keeps its own)."
        written += f"# {why}\nCOPY --chown={UID}:{UID} {in_context(repo, seed)} {DATA_DIR}/{Path(seed).name}\n"
    if repo.sqlite_in_code and repo.sqlite_alias:
        why = f"alembic.ini's {repo.sqlite_alias} is the app's file too: the migrations make the app's tables."
        written += volume_link(repo.sqlite_alias, repo.sqlite_in_code, why)
    for example in repo.examples:  # what a developer copies into place before the first run
        target = f"{CODE_DIR}/{example_target(example)}"
        why = f"The app opens {target} at import; the repository holds only its example."
        written += f"# {why}\nRUN ln -s {CODE_DIR}/{example} {target}\n"
    for path in repo.beside_app:  # opened from where the app runs, held in its own folder
        held = f"{CODE_DIR}/{repo.app.folder}/{path.removeprefix(f'{CODE_DIR}/')}"
        folder = f"mkdir -p {Path(path).parent} && " if str(Path(path).parent) != CODE_DIR else ""
        written += (
            f"# The app opens {path} from where it runs; the repository holds it at {held}.\nRUN {folder}ln -s {held} {path}\n"
        )
    return written


def volume_link(path: str, file: str, why: str) -> str:
    """A RUN line linking where the code opens a file to that file's name on the data volume, with why."""
    path = in_the_image(path)
    return f"# {why}\nRUN mkdir -p {Path(path).parent} && ln -sf {DATA_DIR}/{Path(file).name} {path}\n"


def itself_as_package(repo: Repository) -> str:
    """The code as the package it imports itself as (`api.routers`, run from the parent folder): a link to the code."""
    if not repo.package:
        return ""
    return f"# The code imports itself as the package {repo.package}, as run from the folder above it.\nRUN ln -s {CODE_DIR} {CODE_DIR}/{repo.package}\n"


def placeholders(repo: Repository) -> str:
    """Env files the app reads at import, empty (their values come from the environment), and folders it needs that
    another build makes (a frontend's static/), empty too."""
    folders = " ".join(sorted({str(Path(p).parent) for p in repo.placeholders} | set(repo.folders)))
    files = f" && touch {' '.join(repo.placeholders)}" if repo.placeholders else ""
    return (
        f"# Empty: the app reads them at import, and what fills them comes from elsewhere.\nRUN mkdir -p {folders}{files}\n"
        if folders
        else ""
    )


def own_metadata(repo: Repository) -> str:
    """The metadata of the project's own distribution, which the code reads (`version(__package__)`): the image installs
    the dependencies alone, so it is written as an install would write it."""
    if not repo.own_distribution:
        return ""
    name, version = repo.own_distribution.split()
    site = """python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'"""
    return (
        "# The code reads its own version from its distribution's metadata, which only an install of it would write.\n"
        f'RUN d="$({site})/{name}-{version}.dist-info" && mkdir -p "$d" \\\n'
        f"    && printf 'Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n' > \"$d/METADATA\"\n"
    )


def in_context(repo: Repository, path: str) -> str:
    """A path of the repository as the build context names it: a workspace member's builds from the workspace's root."""
    return repo.workspace.source(path) if repo.workspace else path
