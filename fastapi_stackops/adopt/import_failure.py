"""Why the built image could not import the app, in one line a user can act on: read from the failure the probe
reports (the exception's type, message and the app's own frame), without the image. Pure: tested as a table."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from fastapi_stackops.adopt.conventions import CODE_DIR
from fastapi_stackops.adopt.known_modules import ADDED_WHEN_MISSING, DISTRIBUTION_OF, SPLIT_OUT, STANDARD_BUT_ABSENT

#: An app that reads a git-ignored env file at import (starlette's Config, python-dotenv with a check) and stops without it;
#: or names its path in its own words, in any language (`logger.critical(f"Отсутствует файл: {path}")`, then exit).
MISSING_ENV_FILE = re.compile(
    rf"(?:Config file|No such file or directory:?) '([^']*/\.env[^'/]*)'|(?<![\w./-])({CODE_DIR}(?:/[\w.-]+)*/\.env(?:\.[\w-]+)?)(?![\w/-])"
)
CONFLICT_MARKER = re.compile(r"^(<<<<<<<|=======|>>>>>>>)( |$)")
FORWARD_REFERENCE = re.compile(r"ForwardRef\('([^']+)'\)")


def briefly(words: str, most: int = 200) -> str:
    """An exception's words cut to their first sentence, or to `most` characters: a library's can run a screen
    (GitPython's "Bad git executable" is 700 characters)."""
    words = " ".join(words.split())  # its sentences may end at a line's end
    if len(words) <= most:
        return words
    end = words.find(". ", 40, most)
    return words[: end + 1] if end > 0 else words[:most].rstrip() + "..."


@dataclass(frozen=True)
class Failure:
    """What the probe reports: the exception, where in the app's own code it arose, the installed pydantic."""

    kind: str  # the exception's class name
    message: str
    file: str = ""  # the app's own file (in the image), else the last frame's
    line: int = 0
    text: str = ""  # a SyntaxError's line
    name: str = ""  # a ModuleNotFoundError's module
    pydantic: str = ""
    root: str = ""  # the first exception of a chain ("from e"), when it is another
    library: str = ""  # the installed distribution whose code raised it, with its version ("sqlalchemy 2.0.30")
    python: str = ""  # the image's, as the probe ran

    @property
    def said(self) -> str:
        """The exception where it arose, briefly, and what it came from when that says more."""
        message, root = briefly(self.message), briefly(self.root)
        said_again = root.split(": ", 1)[-1].removesuffix("...") in " ".join(self.message.split())
        return f"{self.where}: {self.kind}: {message}" + (f" (from {root})" if root and not said_again else "")

    @classmethod
    def of(cls, reported: dict) -> Failure:
        return cls(**{k: v for k, v in reported.items() if k in cls.__dataclass_fields__ and v is not None})

    @property
    def where(self) -> str:
        path = self.file.removeprefix(f"{CODE_DIR}/")
        return f"{path} line {self.line}" if path else "its import"

    def own_line(self, root: Path) -> tuple[Path | None, str]:
        """The repository's own file the failure arose in, and that line's text; (None, "") outside its code."""
        path = root / self.file.removeprefix(f"{CODE_DIR}/") if self.file.startswith(f"{CODE_DIR}/") else None
        lines = path.read_text(errors="replace").splitlines() if path and path.is_file() else []
        return path, lines[self.line - 1] if 0 < self.line <= len(lines) else ""

    def own_statement(self, root: Path) -> str:
        """The whole statement of the app's own code at the failure's line, though it spans several (a call's
        arguments below it); "" outside its code."""
        path = self.own_line(root)[0]
        try:
            tree = ast.parse(path.read_text(errors="replace")) if path and path.is_file() else None
        except SyntaxError:
            return ""
        spans = (
            [n for n in ast.walk(tree) if isinstance(n, ast.stmt) and n.lineno <= self.line <= (n.end_lineno or 0)]
            if tree
            else []
        )
        return ast.unparse(min(spans, key=lambda n: (n.end_lineno or 0) - n.lineno)) if spans else ""


#: How each lock is made again.
LOCKING = {"uv.lock": "uv lock", "poetry.lock": "poetry lock"}


#: A name an import did not find in its module: the name, the module, and the module's file (a circular import's
#: half-made module says "from partially initialized module" instead). Under the code's folder, the module is the
#: repository's own: a package's __init__.py (a module never committed) or a module's file (a name it never defined).
NOT_EXPORTED = re.compile(r"cannot import name '(\w+)' from '([\w.]+)'(?: \(([^()]*)\))?$")
#: The first of a chain that a library re-raises as its own ImportError: the optional module it lacks.
OPTIONAL_MODULE = re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'")
#: A library's own error quoting the import that failed, with no chain (SQLAlchemy's "the greenlet library is required
#: to use this function. No module named 'greenlet'").
QUOTED_MODULE = re.compile(r"No module named '([\w.]+)'")
#: A library's own assertion that an optional module is missing (Starlette's "jinja2 must be installed to use
#: Jinja2Templates").
MUST_BE_INSTALLED = re.compile(r"^([\w.]+) must be installed to use\b")


def not_exported(message: str) -> tuple[str, str, str]:
    """The name an import did not find, its module, and that module's file ("" each for another failure)."""
    found = NOT_EXPORTED.match(message)
    return (found[1], found[2], found[3] or "") if found else ("", "", "")


def optional_module(failure: Failure) -> str:
    """The optional module a library lacks, named by the chain's first exception or by the library's own words."""
    words = QUOTED_MODULE.search(failure.message) or MUST_BE_INSTALLED.search(failure.message)
    quoted = words if failure.kind != "ModuleNotFoundError" else None
    found = OPTIONAL_MODULE.match(failure.root) or quoted
    name, module, _ = not_exported(failure.message)
    split_out = next((m for (of, start), m in SPLIT_OUT.items() if module == of and name.startswith(start)), "")
    return found[1] if found else split_out


#: What a dependency raises as it loads when its release and the Python, or the other pins, do not go together (SQLAlchemy
#: 2.0.30 on 3.13: "TypeError: Can't replace canonical symbol for '__firstlineno__'"); not a value the app was given.
INSIDE_A_RELEASE = frozenset({"TypeError", "AttributeError", "NameError", "SystemError"})


#: The app's own line using what a library's module no longer has (`mp.solutions` of mediapipe 0.10.30 on): its module
#: and the name.
MODULE_LACKS = re.compile(r"^module '([\w.]+)' has no attribute '(\w+)'")
#: A model's attribute the app's own line reads and its class does not declare (`settings.MYSQL_DB` beside MYSQL_DATABASE):
#: pydantic's __getattr__ raises it, so the last frame is pydantic's, yet no release of it would do otherwise.
UNDECLARED_FIELD = re.compile(r"^'(\w+)' object has no attribute '(\w+)'")
#: SQLAlchemy refusing a model as it is declared (an attribute named `metadata`, a relationship with no foreign key to
#: follow): the code's own break, not a value the app was given.
MAPPING_REFUSED = frozenset({"InvalidRequestError", "NoForeignKeysError", "AmbiguousForeignKeysError", "NoReferencedTableError"})


def cause(
    failure: Failure, deps_file: str, local: set[str], outside: dict[str, str] | None = None, unlocked: tuple = ((), "")
) -> str:
    """The failure's cause and what to do, one clause each; `local` names the repository's own top-level modules, and
    the prefixes of the failure's module it holds (dotted); `outside` those of the folders around the service's (a
    monorepo's siblings), by where they are; `unlocked`, the declared dependencies its lock lacks, and that lock's file."""
    where, message = failure.where, failure.message
    if failure.kind == "TypeError" and "required positional argument" in message:
        return (
            f"{where}: the factory needs an argument ({message.split(': ', 1)[-1]}); name the app object instead with "
            "--app module:attribute, or give the factory's parameters defaults"
        )
    if failure.kind == "SyntaxError" and CONFLICT_MARKER.match(failure.text):
        return f"{where} holds a merge-conflict marker ({failure.text[:7]}): resolve the conflict and commit"
    if failure.kind == "SyntaxError":
        return f"{where} is not valid Python here ({message}): if it needs a newer Python, give it with --python"
    if failure.kind == "ModuleNotFoundError" and (said := missing_module(failure, deps_file, local, outside, unlocked)):
        return said
    name, module, file = not_exported(message)
    own = failure.kind == "ImportError" and (file or "").startswith(f"{CODE_DIR}/")
    if own and file.endswith("/__init__.py") and module.split(".")[0] in local:
        module = f"{module}.{name}"  # neither a name the package defines, nor a module file of it: never committed
        return f"{where} imports {module}, which the repository does not hold (no {module.replace('.', '/')}.py): fix the import, or commit the module"
    if own:
        return f"{where} imports {name} from {file.removeprefix(f'{CODE_DIR}/')}, which does not define it: fix the import, or commit the code"
    if (optional := optional_module(failure)) and optional.split(".")[0] not in local:
        # A library's optional dependency, which it names in its own words (pydantic's "email-validator is not installed",
        # pwdlib's HasherNotAvailable).
        return f"{where}: {briefly(message).rstrip('.')}: none of its dependencies installs {optional}; add it to {deps_file}"
    if failure.library and (said := raised_by_a_library(failure, deps_file)):
        return said
    if failure.kind == "AttributeError" and (lacks := MODULE_LACKS.match(message)) and lacks[1].split(".")[0] not in local:
        return (
            f"{where}: the installed {lacks[1]} has no {lacks[2]}, which a later release dropped or moved: pin the "
            f"{DISTRIBUTION_OF.get(lacks[1].split('.')[0], lacks[1].split('.')[0])} the code was written for in {deps_file}"
        )
    if failure.kind in MAPPING_REFUSED and failure.file.startswith(f"{CODE_DIR}/"):
        return f"{failure.said.rstrip('.')}: SQLAlchemy refuses the models as the code writes them, whatever it is given: fix them, and commit"
    return pydantic_cause(failure, deps_file)


def pydantic_cause(failure: Failure, deps_file: str) -> str:
    """Code written for another pydantic than the one installed: its cause and what to do; "" for any other failure."""
    where, message = failure.where, failure.message
    pydantic = f"pydantic {failure.pydantic}" if failure.pydantic else "the installed pydantic"
    if failure.kind == "PydanticImportError":
        return (
            f"{where} is written for pydantic 1 ({message.split('.')[0]}), and {pydantic} was installed: "
            f"pin pydantic<2 in {deps_file}, or move the code to pydantic 2"
        )
    if "is not fully defined" in message or failure.kind == "PydanticUndefinedAnnotation":
        found = FORWARD_REFERENCE.search(message)
        named = f" ({found.group(1)})" if found else ""
        return (
            f"{where}: {pydantic} cannot resolve a forward reference{named} in its models: "
            f"pin the fastapi and pydantic versions the code was written for in {deps_file}"
        )
    return ""


def undeclared(failure: Failure, local: set[str]) -> str:
    """The distribution init adds for a well-known module that no dependency installs, imported by the code or by a
    library as its optional one (pydantic's EmailStr, email_validator); "" for any other failure."""
    module = optional_module(failure) or (failure.name if failure.kind == "ModuleNotFoundError" else "")
    if module not in ADDED_WHEN_MISSING or module in local:
        return ""
    return DISTRIBUTION_OF.get(module, module)


def raised_by_a_library(failure: Failure, deps_file: str) -> str:
    """A failure a dependency's code raised: a model's field the app's own line reads and its class does not declare,
    which pydantic raises whatever its release; else a release's own failure, said as such; "" for other kinds."""
    if failure.library.startswith("pydantic") and (field := UNDECLARED_FIELD.match(failure.message)):
        return (
            f"{failure.where} reads {field[2]} of its {field[1]}, which declares no such field (pydantic raised it, not a "
            f"release's fault): declare {field[2]} in {field[1]}, or read the field it does declare"
        )
    return inside_a_release(failure, deps_file) if failure.kind in INSIDE_A_RELEASE else ""


def inside_a_release(failure: Failure, deps_file: str) -> str:
    """A failure a dependency raised as it loaded, said as its release's, with the ways out."""
    return (
        f"{failure.where}: {failure.kind} inside {failure.library}, not the app's code ({briefly(failure.message)}): a "
        f"release that does not go with Python {failure.python or 'here'} or with the other pins fails so; pin the "
        f"{failure.library.split()[0]} the code was written for in {deps_file}, or give init --python the Python it ran on"
    )


def missing_module(failure: Failure, deps_file: str, local: set[str], outside: dict[str, str] | None, unlocked: tuple) -> str:
    """A module the image lacks: one outside the service's folder, one an older lock lacks, one no dependency installs,
    one of the repository's own packages that it does not hold; "" for one it holds."""
    where, top = failure.where, failure.name.split(".")[0]
    if top in local and failure.name not in local:
        return (
            f"{where} imports {failure.name}, which the repository does not hold (no {failure.name.replace('.', '/')}.py): "
            "fix the import, or commit the module"
        )
    names, lock = unlocked
    if top in (outside or {}) and top not in local:
        return f"{where} imports {top}, which lies outside the service's folder ({outside[top]}): run init from the folder that holds both"
    if top and top.lower().replace("_", "-") in names:
        return (
            f"{where} imports {top}, which {deps_file} declares and {lock} does not pin: the lock is older than "
            f"{deps_file}; lock again ({LOCKING.get(lock, 'uv lock')}) and commit it"
        )
    if top in STANDARD_BUT_ABSENT and top not in local:  # PRATANGGA/fastapi-vote: an editor's `from tkinter import CASCADE`
        return f"{where} imports {top}, {STANDARD_BUT_ABSENT[top]}"
    if top and top not in local and failure.name != top:  # the package imported, and has no such module in this release
        return f"{where} imports {failure.name}, which the installed {top} lacks: pin the {top} the code was written for in {deps_file}"
    if top and top not in local:
        package = f"{DISTRIBUTION_OF[top]}, which provides it," if top in DISTRIBUTION_OF else "the package providing it"
        return f"{where} imports {top}, which none of its dependencies installs: add {package} to {deps_file}"
    return ""
