"""Where the app keeps the files it writes: a setting naming a data folder (GAIA_DATA_DIR, UPLOAD_DIR, MEDIA_ROOT) whose
default lies outside what the repository holds. The stack gives each a folder on the app's named volume, as it gives
an SQLite file: the image's root filesystem is read-only, and the data outlives the container."""

from __future__ import annotations

import ast
import re
from pathlib import Path, PurePosixPath

from fastapi_stackops.adopt.app_settings import SettingField, Settings, setting_fields
from fastapi_stackops.adopt.conventions import CODE_DIR, DATA_DIR, DATA_FOLDER_VARIABLE
from fastapi_stackops.adopt.file_paths import file_path, module_paths, named_paths
from fastapi_stackops.adopt.source import python_files
from fastapi_stackops.adopt.syntax import every_node, parsed

#: A setting named for a folder of data the app writes, its logs and backups too (LOG_DIR, BACKUP_ROOT); not a path
#: alone (FILE_PATH, DATA_PATH, LOG_PATH may name one file).
DATA_FOLDER_FIELD = re.compile(
    r"(^|_)((DATA|STORAGE|UPLOADS?|MEDIA|FILES|BACKUPS?)_(DIR|DIRECTORY|ROOT|FOLDER)|STORAGE_PATH|LOGS?_(DIR|DIRECTORY|FOLDER|FILES))$",
    re.I,
)
#: Types that hold no folder's path.
NOT_A_PATH = re.compile(r"^\s*(bool|int|float|Literal)\b")


def data_folders(root: Path, settings: Settings | None) -> tuple[str, ...]:
    """The variables of the settings naming a data folder the repository does not hold: the app makes it at run time."""
    fields = setting_fields(settings)
    named = [f for f in fields if DATA_FOLDER_FIELD.search(f.variable) and not NOT_A_PATH.match(f.annotation)]
    named = [f for f in named if f.variable != DATA_FOLDER_VARIABLE]  # the stack's own: an SQLite file's host folder
    return tuple(dict.fromkeys(f.variable for f in named if made_at_run_time(root, f)))


def made_at_run_time(root: Path, field: SettingField) -> bool:
    """Whether its default lies outside the repository: none, an expression (a parent folder's), an absolute path, or
    a relative one the repository lacks. A folder the repository holds (seed data it ships) stays where it is."""
    default = field.default or ""
    if "://" in default:  # an object store's URL, no folder
        return False
    return not default or default.startswith("/") or not (root / default).exists()


def folder_of(variable: str, variables: tuple[str, ...]) -> str:
    """The folder a data variable gets: the volume itself for the only one, else one of its own on it."""
    named = re.sub(r"_(DIR|DIRECTORY|ROOT|FOLDER|PATH)$", "", variable, flags=re.I).lower()  # UPLOAD_DIR: upload
    return DATA_DIR if len(variables) == 1 else f"{DATA_DIR}/{named}"


def data_values(variables: tuple[str, ...]) -> dict[str, str]:
    """Variable -> its Compose value: a folder on the app's volume, which the env files may override."""
    return {name: f"${{{name}-{folder_of(name, variables)}}}" for name in variables}


#: A setting naming a scratch folder the app expects to exist as it runs (prometheus_client's multiprocess folder,
#: PROMETHEUS_MULTIPROC_DIR = "/tmp/prometheus"): a tmpfs there exists from the start, empty, as such a folder wants.
SCRATCH_FOLDER_FIELD = re.compile(r"(^|_)(MULTIPROC(ESS)?_DIR|SCRATCH_DIR)$", re.I)


def scratch_folders(settings: Settings | None) -> dict[str, str]:
    """Variable -> the absolute folder it defaults to, for each setting naming a scratch folder (/tmp itself is one)."""
    fields = [f for f in setting_fields(settings) if SCRATCH_FOLDER_FIELD.search(f.variable)]
    return {
        f.variable: f.default.rstrip("/") for f in fields if (f.default or "").startswith("/") and f.default.rstrip("/") != "/tmp"
    }


#: Files that hold a folder in git and nothing else: committed so, the folder is one the app writes into as it runs.
PLACEHOLDERS = frozenset({".gitkeep", ".keep", ".gitignore"})
#: Folders that are not the app's to write: its tests', its migrations', its tools', a frontend's.
NOT_WRITTEN = frozenset({"tests", "test", "migrations", "alembic", "versions", "docs", "node_modules", "static", "templates"})


def placeholder_folders(root: Path, kept: tuple[str, ...] = ()) -> dict[str, str]:
    """Folder in the image -> the folder the repository commits empty but for a placeholder (artifacts/.gitkeep): one
    the app writes into as it runs, which a read-only root would refuse (DiogoRibeiro7/fastapi-ml-platform trains its
    model into artifacts/ at startup, and logs the error). One or two levels down, and none of NOT_WRITTEN, nor hidden;
    nor one holding what `kept` names (an SQLite file's folder, its link to the volume), which a tmpfs would hide."""
    # One or two levels down only: a glob of the whole tree walks a committed node_modules or dataset too.
    held = {
        p.parent.relative_to(root) for name in PLACEHOLDERS for pattern in ("*", "*/*") for p in root.glob(f"{pattern}/{name}")
    }
    held -= {folder for path in filter(None, kept) for folder in (Path(path), *Path(path).parents)}
    folders = (f for f in held if not any(p.startswith(".") or p.lower() in NOT_WRITTEN for p in f.parts))
    empty = (f for f in folders if all(entry.name in PLACEHOLDERS for entry in (root / f).iterdir()))
    return {f"{CODE_DIR}/{f.as_posix()}": f"{f.as_posix()}/" for f in sorted(empty)}


def written_folders(root: Path, settings: Settings | None, kept: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """Folder in the image -> (why the app writes it, where that was read), each a tmpfs of the app's user: the scratch
    folders its settings name, the folders the repository commits empty but for what `kept` names, and those its code
    makes under its own folder."""
    scratch = {path: (f"{name}'s folder", settings.source) for name, path in scratch_folders(settings).items()}
    scratch |= {path: ("a folder committed empty", folder) for path, folder in placeholder_folders(root, kept).items()}
    return made_folders(root, kept) | scratch


def made_folders(root: Path, kept: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """Folder in the image -> (why, where) for each folder the code makes at a path of its own under its folder, one the
    repository does not hold (`Path("secrets/keys").mkdir(parents=True)`, `os.makedirs("uploads")`): the first folder
    of its path the repository lacks.
    kongnakornna/fastapicleanarchitectureddd makes one as it starts, after its database answers, which init's trial
    start does not reach; the read-only root refused it in ci."""
    found = {}
    held = {folder.as_posix() for path in filter(None, kept) for folder in Path(path).parents}
    for path in python_files(root):
        tree, module = parsed(path), str(path.relative_to(root))
        paths = {**named_paths(tree), **module_paths(tree, module)} if tree else {}
        for node in every_node(tree) if tree else ():
            made = file_path(target, paths, PurePosixPath(module).parts) if (target := folder_made(node)) else None
            lacked = (
                next((made[:i] for i in range(1, len(made) + 1) if not root.joinpath(*made[:i]).exists()), ()) if made else ()
            )
            folder = "/".join(lacked)
            if folder and folder not in held:
                found[f"{CODE_DIR}/{folder}"] = ("a folder its code makes", f"{module}:{node.lineno}")
    return found


def folder_made(node: ast.AST) -> ast.expr | None:
    """The path a call makes a folder at (`path.mkdir()`, `os.makedirs(path)`, `os.mkdir(path)`), or None."""
    if not isinstance(node, ast.Call):
        return None
    if isinstance(node.func, ast.Attribute) and node.func.attr == "mkdir" and not node.args:
        return node.func.value
    return node.args[0] if node.args and ast.unparse(node.func) in ("os.makedirs", "os.mkdir", "makedirs") else None
