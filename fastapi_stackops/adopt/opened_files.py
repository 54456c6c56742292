"""Files the app opens that the image lacks, and the repository holds: at that path (copied into the image), or in the
app's own folder, opened from where the app runs, as its own Dockerfile ran it (linked there); as an import failure
names them, or as the code writes them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from fastapi_stackops.adopt.conventions import CODE_DIR
from fastapi_stackops.adopt.failure_advice import MISSING_FILE
from fastapi_stackops.adopt.findings import Finding
from fastapi_stackops.adopt.repository import Repository
from fastapi_stackops.adopt.source import python_files
from fastapi_stackops.adopt.syntax import every_node, parsed


def held_file(words: str, root: Path) -> str:
    """A file the app opened at import and the image lacked, which the repository holds (pyproject.toml, read for the
    app's version), as a path in it; "" for none."""
    return next((path for path in opened_paths(words) if (root / path).is_file()), "")


def held_beside(words: str, repo: Repository) -> str:
    """A file the app opened at import by a path from where it runs, which the repository holds in the app's own
    folder instead (casbin's model.conf in app/, where its own Dockerfile ran it), as the image would have it opened;
    "" for none."""
    held = [path for path in opened_paths(words) if (repo.root / repo.app.folder / path).is_file()]
    return f"{CODE_DIR}/{held[0]}" if held and repo.app.folder != "." else ""


#: The words a repository marks the example of a file it leaves out with (config.ini.example, config.example.ini).
EXAMPLE_MARKS = ("example", "sample", "template", "dist")
#: A path in the image's code, as a library's own words may name a file it did not find ("Configuration file not
#: found: ..." and the path in the image).
IN_THE_CODE = re.compile(rf"{CODE_DIR}/([\w.-]+(?:/[\w.-]+)*\.\w+)")


def held_example(words: str, root: Path) -> str:
    """The example the repository holds of a file the app looked for at import, which git leaves out (config.ini.example
    beside an ignored config.ini), as a path in it; "" for none."""
    looked_for = dict.fromkeys([*opened_paths(words), *IN_THE_CODE.findall(words)])
    found = (example for path in looked_for for example in examples_of(path) if (root / example).is_file())
    return next(found, "")


def examples_of(path: str) -> list[str]:
    """The names the example of a file may go by: config.ini.example, config.example.ini, and the other marks."""
    held = Path(path)
    return [f"{path}.{mark}" for mark in EXAMPLE_MARKS] + [
        held.with_name(f"{held.stem}.{mark}{held.suffix}").as_posix() for mark in EXAMPLE_MARKS
    ]


def example_target(example: str) -> str:
    """The file an example stands for: config.ini for config.ini.example and config.example.ini."""
    marks = "|".join(EXAMPLE_MARKS)
    last = rf"\.({marks})$"
    return re.sub(last, "", example) if re.search(last, example) else re.sub(rf"\.({marks})(?=\.\w+$)", "", example)


def opened_paths(words: str) -> list[str]:
    """The relative paths (from where the app runs) of the files the failure says the app could not open."""
    opened = [found.removeprefix(f"{CODE_DIR}/") for found in MISSING_FILE.findall(words)]
    return [path for path in opened if not path.startswith("/")]


#: What a file opened beside the app is not: a database SQLite keeps (linked into the data volume elsewhere), Python.
NOT_OPENED_BESIDE = (".py", ".db", ".sqlite", ".sqlite3")


def opened_beside(root: Path, folder: str) -> tuple[str, ...]:
    """Files the app's code opens by a literal path from where it runs (`logging.config.fileConfig("logging.conf")`)
    that its own folder holds and the repository's top does not, as the image would have them opened: it was run from
    that folder (sokmeta/fastapi-clean-architecture's src/logging.conf; in the image, "KeyError: 'formatters'")."""
    found: list[str] = []
    for path in python_files(root / folder) if folder not in ("", ".") else ():
        tree = parsed(path)  # None for a file this Python cannot parse
        for node in every_node(tree) if tree else ():
            first = node.args[0] if isinstance(node, ast.Call) and node.args else None
            text = first.value.removeprefix("./") if isinstance(first, ast.Constant) and isinstance(first.value, str) else ""
            held = text and not text.startswith(("/", ".")) and not text.endswith(NOT_OPENED_BESIDE) and "\n" not in text
            if held and (root / folder / text).is_file() and not (root / text).exists() and f"{CODE_DIR}/{text}" not in found:
                found.append(f"{CODE_DIR}/{text}")
    return tuple(found)


def beside_fields(root: Path, folder: str) -> tuple[dict, list[Finding]]:
    """The Repository's beside_app as the code says it, and what init says of it."""
    beside = opened_beside(root, folder)
    said = f"{', '.join(beside)} to {folder}/: the app opens them from where it runs"
    return {"beside_app": beside}, [Finding("links", said, "the code")] if beside else []
