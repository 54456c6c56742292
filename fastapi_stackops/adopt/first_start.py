"""What a first start of the built image teaches init: a path the app writes under its read-only code, a variable it
demands, a value its type or its own check refuses, an env file or a folder it needs. Each lesson is one field of the
Repository and one line said to the user; an import failure that teaches nothing is the app's own."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from fastapi_stackops import StackError
from fastapi_stackops.adopt.conventions import CODE_DIR, SET_BY_THE_IMAGE, in_the_image
from fastapi_stackops.adopt.findings import Finding
from fastapi_stackops.adopt.import_failure import Failure
from fastapi_stackops.adopt.key_files import keys_among, missing_keys, said
from fastapi_stackops.adopt.older_python import UNBUILT, python_for_a_release
from fastapi_stackops.adopt.opened_files import example_target, held_beside, held_example, held_file
from fastapi_stackops.adopt.optional_installs import providing_extra, providing_group
from fastapi_stackops.adopt.refused_values import quoted
from fastapi_stackops.adopt.repository import Repository
from fastapi_stackops.adopt.routes import ImportFailed
from fastapi_stackops.adopt.runtime_libraries import missing_library
from fastapi_stackops.adopt.settings_taught import as_settings, unset, values_refused
from fastapi_stackops.adopt.stackfiles import committed_secrets
from fastapi_stackops.adopt.wheels import native_libraries
from fastapi_stackops.console import say

#: init's Setup: what a lesson changes is its repo.
Setup = TypeVar("Setup")

FIRST_START = "its first start"


def written_where(path: str, root: Path) -> tuple[str, str]:
    """Where a path the app writes becomes writable: (a file linked into /tmp, or a folder made a tmpfs).

    A file in the code's own folder (app.log in the working directory), or in any folder that holds the repository's
    code (src/logs/errors.log beside src/logs/logger.py), becomes a link into /tmp, as a tmpfs over the folder would
    hide it; elsewhere, its folder (logs/, with a README or nothing) becomes a tmpfs. A file is a name with a suffix,
    or one the repository holds as a file (`logs`, committed). A name made at run time (a date in it) no link made now
    can catch: that app stays refused, in the one line that says why.
    """
    path = in_the_image(path)  # relative: to the working directory
    named_now = re.search(r"\d{4}", Path(path).name)
    committed = path.startswith(f"{CODE_DIR}/") and (root / path.removeprefix(f"{CODE_DIR}/")).is_file()
    is_file = bool(Path(path).suffix) or committed
    folder = root / str(Path(path).parent).removeprefix(CODE_DIR).lstrip("/")
    holds_code = str(Path(path).parent) == CODE_DIR or (
        path.startswith(f"{CODE_DIR}/") and folder.is_dir() and any(folder.glob("*.py"))
    )
    linked = path if is_file and holds_code and not named_now else ""
    path = "" if linked else str(Path(path).parent) if is_file else path
    # Never a tmpfs over the code: the working directory, or a folder holding the repository's modules (logs/ beside
    # logs/logger.py, whose dated files no link catches: a tmpfs hid the module, "No module named 'logs.logger'").
    hides_code = path.startswith(f"{CODE_DIR}/") and any((root / path.removeprefix(f"{CODE_DIR}/")).glob("*.py"))
    return linked, "" if path == CODE_DIR or hides_code else path


#: The image's own top-level folders: a path the app writes in one of them is not the app's to have.
SYSTEM_FOLDERS = frozenset("bin boot dev etc home lib lib32 lib64 media mnt opt proc root run sbin srv sys tmp usr var".split())


def outside_the_system(name: str, path: str) -> bool:
    """Whether a folder the app needs outside its code is its own to have: one it writes, a tmpfs, at the top (`../log`
    from the code's folder is /log) or under /var/log; one it reads (`StaticFiles(directory="/files")`), made empty in
    the image, at the top."""
    parts = Path(path).parts
    own = len(parts) > 1 and parts[1] not in SYSTEM_FOLDERS
    return (name == "writable" and (path.startswith("/var/log/") or own)) or (name == "folders" and own)


def added_said(distribution: str, repo: Repository) -> str:
    return (
        f"{distribution}, added to the image: the app imports it, or a library it uses does, and no dependency "
        f"installs it (declare it in {repo.requirements or 'pyproject.toml'})"
    )


def lessons(failed: ImportFailed, repo: Repository) -> list[tuple[str, str, Finding]]:
    """What an import failure can teach: (the Repository field that learns it, the value, what init says of it)."""
    refused = quoted(failed.words, committed_secrets(repo))
    linked, path = written_where(failed.read_only_path, repo.root)
    placeholder, variables, folder = (
        failed.missing_env_file or read_env_file(failed, repo),
        tuple(v for v in failed.missing_variables or unset(failed, repo) if v not in SET_BY_THE_IMAGE),
        failed.missing_folder,
    )
    folder = folder if not folder or folder.startswith("/") else os.path.normpath(f"{CODE_DIR}/{folder}")
    made_elsewhere = "the app needs it at import and the repository lacks it; copy there what makes it (a frontend's build)"
    keys, copied, beside, example = (
        missing_keys(failed.words, repo.root),
        held_file(failed.words, repo.root),
        held_beside(failed.words, repo),
        held_example(failed.words, repo.root),
    )
    extra, group = providing_extra(failed, repo), providing_group(failed, repo)
    library, package = missing_library(failed.words)
    committed_said = f"{', '.join(refused)}: the app refused its committed .env's value; ci makes up its own"
    return [
        lesson("keys", keys, "key files", said(keys)),
        lesson("extras", extra, "installs", f"its {extra} extra too: the app imports what it alone installs"),
        lesson("groups", group, "installs", f"its {group} group too: the app imports what it alone installs"),
        lesson("copied", copied, "copies", f"{copied}, which the app opens at import, into the image"),
        lesson("examples", example, "copies", f"{example} as {example_target(example)}: the app opens it at import"),
        lesson("beside_app", beside, "links", f"{beside} to {repo.app.folder}/: the app opens it from where it runs"),
        lesson("folders", folder, "to change", f"{folder}, empty in the image: {made_elsewhere}"),
        lesson("linked", linked, "writable", f"{linked}, a link into /tmp (a tmpfs): the app writes it as it loads or starts"),
        lesson("writable", path, "writable", f"{path}, a tmpfs: the app writes there as it loads or starts"),
        lesson("refused_committed", refused, "variable", committed_said),
        lesson("placeholders", placeholder, "env file", f"{placeholder}, empty in the image: read at import"),
        lesson("added", failed.undeclared, "adds", added_said(failed.undeclared, repo)),
        lesson("libraries", package, "installs", f"{package} in the image: a dependency loads {library}, which its wheel lacks"),
        lesson("required", variables, "variable", f"{', '.join(variables)}, read at import with no default: secrets"),
    ]


def lesson(field: str, value: object, kind: str, said_of_it: str) -> tuple[str, object, Finding]:
    """One lesson of the first start: the Repository field that learns it, the value, and what init says of it."""
    return field, value, Finding(kind, said_of_it, FIRST_START)


#: environs' `read_env("<folder>/.env")`, the file named at the end of its argument (`f"{BASE_DIR}/env/.env"`).
READ_ENV = re.compile(r"""read_env\(\s*f?["'](?:\{[^}]*\})?/?([\w./-]*\.env[\w.-]*)["']""")


def read_env_file(failed: ImportFailed, repo: Repository) -> str:
    """The env file environs was asked to read, where the image would have it, when its folder is missing there
    (environs walks up from the file's folder, and a missing one is "Starting path not found"); "" for another failure."""
    failure = failed.failure
    if not failure or "Starting path not found" not in failure.message:
        return ""
    named = READ_ENV.search(failure.own_line(repo.root)[1])
    return f"{CODE_DIR}/{named.group(1)}" if named else ""


def taught(setup: Setup, finding: Finding, **fields) -> Setup:
    """The setup with what a first start taught its repository, said and kept among the findings."""
    say(finding.line())
    setup.repo.findings.append(finding)
    return replace(setup, repo=replace(setup.repo, **fields))


def learned(setup: Setup, failed: ImportFailed, with_deps: bool, generated: Mapping[str, str] = {}) -> tuple[Setup, bool]:
    """What an import failure teaches the next try, or the failure itself when it teaches nothing. `generated`: the
    values the try made up, which the app's own check may quote as it refuses one."""
    path = failed.failure.own_line(setup.repo.root)[0] if failed.failure else None
    refused = as_settings(values_refused(failed, setup.repo, dict(generated), path), setup.repo, path)
    typed = {name: value for name, value in refused.items() if setup.repo.given.get(name) != value}
    if typed:  # values their types or checks refused (made up, or unset): values they take, as --set would give them
        finding = Finding(
            "variable",
            ", ".join(f"{k}={v}" for k, v in typed.items()),
            f"{FIRST_START}: its type or its own check refused the value it had",
        )
        return taught(setup, finding, given={**setup.repo.given, **typed}), with_deps
    for name, value, finding in lessons(failed, setup.repo):
        known = getattr(setup.repo, name)
        new = [v for v in (value if isinstance(value, tuple) else (value,)) if v and v not in known]
        if new and (
            name in ("required", "refused_committed", "added", "copied", "examples", "extras", "groups", "libraries")
            or new[0].startswith(f"{CODE_DIR}/")
            or outside_the_system(name, new[0])
        ):
            return taught(setup, finding, **{name: (*known, *new)}), with_deps
    if failed.unreached and not with_deps and setup.repo.database in ("postgres", "mysql"):
        return setup, True
    if older := python_for_a_release(setup, failed.failure):
        return older, with_deps
    if failed.killed and (more := MORE_MEMORY.get(setup.repo.memory)):
        said = f"{more} for the app, in the stack init writes: killed as it loaded at {setup.repo.memory}"
        return taught(setup, Finding("memory", said, FIRST_START), memory=more), with_deps
    raise failed


#: The app's next memory limit when its first start was killed at one (Artem817/Fastapi-image-service builds a
#: ResNet-101 at import); at 4g, the most a developer's machine spares one service, the kill is the app's to mend.
MORE_MEMORY = {"512m": "1g", "1g": "2g", "2g": "4g"}


#: A compiler's absence, in a dependency's build words: the builder had none, as no pin init read needed one.
NO_COMPILER = re.compile(
    r"gcc'? failed: No such file|no acceptable C compiler|unable to execute '[\w.-]*gcc'|gcc: (command )?not found"
    r"|No such file or directory: '[\w.-]*gcc'|Unknown compiler\(s\)"  # meson's, the last words its probe leaves
)


def compiler_taught(setup: Setup, failure: str) -> Setup | None:
    """A dependency that failed to compile for want of a compiler, or of the native library it is known to need (one a
    pin requires, which init never read: hiredis under redis-om, pycurl under celery[sqs]): the next try's builder
    compiles it. None for any other failure, and for one it compiled already."""
    failed = UNBUILT.search(failure)
    wanting = failed and (NO_COMPILER.search(failure) or native_libraries(failed[1]))
    if not wanting or any(p.split("==")[0] == failed[1] for p in setup.repo.compiled):
        return None
    said = f"{failed[1]} (no wheel for CPython {setup.repo.python}): a compiler in the builder only"
    return taught(
        setup,
        Finding("compiles", said, "the trial build: a dependency of a dependency"),
        compiled=(*setup.repo.compiled, failed[1]),
    )


def metadata_taught(setup: Setup, failure: str) -> Setup | None:
    """A pin whose metadata pip refuses as not PEP 440 (uvicorn 0.14.0 requires Python ">=3.6.*"): the next try's
    builder installs with uv, which reads it as pip did before 24.1. None for any other failure, and once uv installs."""
    refused = re.search(r"pip refuses (\S+) for metadata that is not PEP 440", failure)
    if not refused or setup.repo.lenient_install:
        return None
    said = f"by uv: pip refuses {refused[1]}'s metadata, which is not PEP 440"
    return taught(setup, Finding("installs", said, "the trial build"), lenient_install=True)


def taught_by_startup(setup: Setup, asked: dict, generated: Mapping[str, str] = {}) -> Setup | None:
    """What the app's failed startup teaches (a path it writes, a variable it demands), or None: any other startup
    failure is the stack's to show (no database under the probe's --no-deps), and the routes stand."""
    if not asked.get("startup"):
        return None
    failure = Failure.of(asked["startup"])
    try:  # with_deps=True: a startup that cannot reach its database is no reason to ask again with the stack up
        taught, _ = learned(setup, ImportFailed(setup.repo, "", failure), True, generated)
    except ImportFailed:
        refuse_a_broken_startup(failure)
        return None
    return taught


def refuse_a_broken_startup(failure: Failure) -> None:
    """A name the app's own startup uses and never defines (davidscmx/fastapi-email-newsletter's scheduled job) breaks
    it whatever the stack gives it: refused now, in one line, not left to crash-loop under inv ci. A NameError alone:
    an UnboundLocalError may follow from a service the probe runs without."""
    if failure.kind == "NameError" and not failure.library and failure.file.startswith(f"{CODE_DIR}/"):
        raise StackError(
            f"the app's startup fails in its own code, whatever it is given: {failure.said}; fix the code and commit it"
        )


def keys_its_settings_name(setup: Setup, asked: dict) -> Setup:
    """Key files the app's settings name and the image lacks, which it may open only as a request or a test needs
    them (the probe reads its settings objects): made as those an import failure names are."""
    repo = setup.repo
    keys = tuple(key for key in keys_among(asked.get("keys") or [], repo.root) if key not in repo.keys)
    if not keys:
        return setup
    return taught(setup, Finding("key files", said(keys), FIRST_START), keys=(*repo.keys, *keys))
