"""What reaches the build and the runtime image: the code the app needs (its packages, the modules and folders its code
imports, migrations) and the .dockerignore that keeps the rest out."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi_stackops.adopt.code_databases import committed_sqlite
from fastapi_stackops.adopt.conventions import BUILD_CACHE, HEADER
from fastapi_stackops.adopt.dependency_files import pyproject
from fastapi_stackops.adopt.migrations import aerich_folder, alembic_location
from fastapi_stackops.adopt.repository import Repository
from fastapi_stackops.adopt.source import SKIPPED, imported_names, src_is_a_package, string_constants
from fastapi_stackops.adopt.start import served_top_level
from fastapi_stackops.adopt.wheels import included_files, text_of


def code_paths(repo: Repository) -> list[str]:
    """What the runtime needs: the app's source root (or package), the repository's other top-level packages, the
    namespace packages and modules its code imports, migrations."""
    # What its migrations import too, when the image runs them: alembic's env.py may import models nothing else does.
    imported = imported_names(repo.root, repo.package, SKIPPED - {"alembic", "migrations"} if repo.migrations else SKIPPED)
    source_root = "" if src_is_a_package(repo.root) else "src"  # src/ imported as a package is copied as one
    packages = sorted(
        p.name
        for p in repo.root.iterdir()
        # A folder skipped as no code (tests/) is code when the app's own code imports it.
        if p.name not in SKIPPED - imported and p.name != source_root and not p.name.startswith(".")
        if (p / "__init__.py").is_file()
        or (p.is_dir() and p.name in imported and next(p.rglob("*.py"), None))  # a namespace package, code further down
        or (p.suffix == ".py" and p.stem in imported)
    )
    app = repo.app
    # The source root, and the app's own folder when it lies outside it (examples/app.py with src/ on its path).
    outside = [app.top_level] if app.outside_source_root else []
    paths = [app.source_root or app.top_level, *outside, *served_top_level(repo.root, repo.start), *packages]
    paths += [*worker_module(repo), *named_files(repo), *repo.copied, *repo.examples]
    if (repo.root / "alembic.ini").is_file():  # a prestart script may run alembic too
        paths += ["alembic.ini", *alembic_script_location(repo)]
    if alembic_in_pyproject(repo):  # alembic 1.16 reads [tool.alembic] from pyproject.toml in its working directory
        paths += ["pyproject.toml", *alembic_script_location(repo, alembic_in_pyproject(repo))]
    paths += aerich_location(repo)
    if repo.migrations.startswith("env -C "):  # alembic runs from its own folder, which the image must carry
        paths.append(Path(repo.migrations.split()[2]).parts[0])
    if repo.migrations.startswith("sh "):
        paths += [repo.migrations.split()[1], *script_files(repo, repo.migrations.split()[1], paths)]
    if repo.migrations.startswith("python -m "):  # a script of its own that makes the tables: its top-level folder
        module = repo.migrations.split()[-1].split(".")[0]
        paths.append(module if (repo.root / module).is_dir() else f"{module}.py")
    return list(dict.fromkeys(paths))


def manifest_copies(repo: Repository, manifests: str) -> str:
    """The builder's COPY lines of what the install reads. A requirements file in a folder may include its neighbours
    (-r base.txt): the folder goes whole; at the top, the files it includes go too (-r requirements-base.txt)."""
    folder = repo.requirements.rpartition("/")[0]
    if folder:
        return f"COPY {folder} ./{folder}"
    included = included_files(repo.root, repo.requirements) if repo.installer == "requirements" else []
    return f"COPY {manifests} ./" + "".join(f"\nCOPY {path} ./{path}" for path in included)


#: A file a script runs or reads by its path: `python scripts/backend_pre_start.py`, `sh ./scripts/seed.sh`.
SCRIPT_PATH = re.compile(r"(?<![\w/.-])(?:\./)?((?:[\w.-]+/)*[\w.-]+\.(?:py|sh))\b")


def script_files(repo: Repository, script: str, copied: list[str]) -> list[str]:
    """The repository's files the prestart script names by path, outside what the image copies anyway."""
    named = SCRIPT_PATH.findall(text_of(repo.root / script))
    return [path for path in named if (repo.root / path).is_file() and Path(path).parts[0] not in copied]


def holds_data(folder: Path) -> bool:
    """Whether the folder holds files other than Python's: templates beside a helper script of theirs are data to read
    (lkadin/5-Crowns---Fastapi-HTMX's templates/ was left out for its jinga_render_client.py); code alone is none."""
    return any(path.is_file() and path.suffix not in (".py", ".pyc") for path in folder.rglob("*"))


#: Folders an app writes as it runs (its data, uploads, logs): a volume's or a tmpfs's, never the image's copy.
WRITTEN_FOLDERS = frozenset({"data", "reports", "logs", "log", "uploads", "media", "tmp", "var"})
#: Files at the top no image needs, whatever the code names: the project's own metadata and tools', and secrets.
NOT_NAMED_FILES = ("pyproject.toml", "alembic.ini", "README.md", "LICENSE")


def named_files(repo: Repository) -> list[str]:
    """The files and folders at the repository's top that its code names, to read as it runs: `config.read('config.ini')`,
    `Jinja2Templates(directory="templates")`, "./templates/email". Not Python, no dotfile (an env file is a secret's
    place), none the image gets otherwise, no folder skipped as no code (tests/) or holding code of its own."""
    strings = string_constants(repo.root)
    named = strings | {text.removeprefix("./").split("/")[0] for text in strings if "/" in text and not text.startswith("/")}
    top = [p for p in sorted(repo.root.iterdir()) if not p.name.startswith(".") and p.name in named]
    # A database file is data, kept out of the context (`*.db` in .dockerignore): never a file to copy.
    files = [p.name for p in top if p.is_file() and p.suffix not in (".py", ".db")]
    # A folder the app writes is its volume's, unless the code names a file committed in it to read (data/tasks.json).
    kept_out = SKIPPED | {p.name for p in top if p.name in WRITTEN_FOLDERS and not names_a_file_of(p, strings)}
    folders = [p.name for p in top if p.is_dir() and p.name not in kept_out and holds_data(p)]
    return [name for name in files + folders if name not in NOT_NAMED_FILES and name not in repo.docker_files]


def names_a_file_of(folder: Path, strings: set[str]) -> bool:
    """Whether the code names a file the folder holds, other than Python's, as a string of its own (Nk3YQQ/fastapi-
    tracker-project's `joinpath("data", "employees.json")`, which its suite read in the image: "No such file")."""
    return folder.is_dir() and any(
        p.is_file() and p.suffix not in (".py", ".db") and p.name in strings for p in folder.rglob("*")
    )


def worker_module(repo: Repository) -> list[str]:
    """The top-level module or folder holding the worker's file (`worker.py` for `arq worker.WorkerSettings`), which the
    app itself may never import: the worker's container runs the same image."""
    return [Path(repo.worker_file).parts[0]] if repo.worker_file else []


def alembic_in_pyproject(repo: Repository) -> str:
    """[tool.alembic]'s script_location ("" when pyproject.toml has none)."""
    return str(pyproject(repo.root).get("tool", {}).get("alembic", {}).get("script_location", ""))


def aerich_location(repo: Repository) -> list[str]:
    """pyproject.toml and the migrations folder its [tool.aerich] names, when the repository has them: aerich, run by
    the app as it starts or by hand, reads both where the app runs (ZyphrZero/react-fastapi-admin's startup upgrade
    found no migrations in the image, and its first query no table)."""
    location = aerich_folder(repo.root)
    return ["pyproject.toml", location] if location else []


def alembic_script_location(repo: Repository, named: str = "") -> list[str]:
    """The migrations folder alembic.ini (or [tool.alembic]) names, unless it lies inside the code copied anyway or
    the repository lacks it."""
    location = alembic_location(repo.root, named)
    inside = location.startswith(repo.app.source_root or repo.app.top_level)
    return [location] if location and not inside and (repo.root / location).is_dir() else []


def dockerignore_text(repo: Repository, env_dir: str) -> str:
    """What stays out of the build context; the tests only when neither a test image nor the app's code needs them."""
    ignored = [
        ".git",
        ".venv",
        "venv",
        "node_modules",
        BUILD_CACHE,
        "**/__pycache__",
        "**/*.py[cod]",
        env_dir,
        "**/*.env.docker",  # at any depth, as smoke forbids them in the image (a committed app/core/.env.docker)
        "**/.env",  # so too (a committed src/config/.env)
    ]
    # Data and ci's reports stay out, unless the app's code is a package of that name (reports/ of a reporting app).
    # A test image keeps tests/ whichever folder its suite is in: a root conftest.py may load its fixtures from there.
    kept = {"tests"} if repo.service_tests else set()
    seed = committed_sqlite(repo.root, repo.sqlite_in_code)  # the committed SQLite file a new volume starts from
    ignored += ["*.db", *([f"!{seed}"] if seed else [])]
    ignored += [p for p in ("data", "reports", "tests") if p not in kept | set(code_paths(repo))]
    # A virtual environment committed under a name of its own (FastApi/): no part of the image.
    ignored += [p.name for p in sorted(repo.root.iterdir()) if (p / "pyvenv.cfg").is_file() and p.name not in ignored]
    member = repo.workspace.member if repo.workspace else ""
    if member:  # the context is the workspace's root: its lock and project, and this member alone, reach the build
        ignored = ["*", "!pyproject.toml", "!uv.lock", f"!{member}"] + [
            p if p.startswith("**") else f"{member}/{p}" for p in ignored
        ]
    why = "the workspace's other members and tools, no history, environments" if member else "no history, environments"
    return f"{HEADER}# Only what the image needs reaches the build: {why}, secrets or data.\n" + "\n".join(ignored) + "\n"


def dockerignore_name(repo: Repository, dockerfile: str) -> str:
    """.dockerignore, or for a workspace member the Dockerfile's own (Dockerfile.dockerignore beside it): the build
    context is the workspace's root, and a root .dockerignore would govern every other build from there too."""
    return f"{dockerfile}.dockerignore" if repo.workspace else ".dockerignore"
