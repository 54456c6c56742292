"""The app's mode setting (ENVIRONMENT, MODE, STAGE) when it defaults to production: the dev and ci stacks run the
app in its local mode, as its developers do, and prod keeps the app's own default. A production mode often demands
what a throwaway stack has not (an error tracker's DSN, a mail server), or hides the docs the checks read. A mode with
a value for tests (MODE: Literal["LOCAL", "TEST", "PROD"]) is what the suite runs in: a suite asserts it, or the app
picks its test database by it."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from fastapi_stackops.adopt.app_settings import SettingField, Settings, setting_fields
from fastapi_stackops.adopt.environment_reads import environment_bound, module_readers, read_of
from fastapi_stackops.adopt.source import python_files
from fastapi_stackops.adopt.syntax import every_node, parsed
from fastapi_stackops.adopt.url_parts import imported_bound

MODE_NAMED = re.compile(r"^(\w+_)?(env|environment|mode|stage)$", re.I)  # FASTAPI_ENV, DEPLOY_STAGE
PRODUCTION = re.compile(r"prod", re.I)
LOCAL = ("local", "development", "dev", "develop")
TESTING = ("test", "testing", "tests")


def local_member(members: list[str] | set[str]) -> str:
    """The member a throwaway stack runs the app in, best first: its developers' own mode, then a test one; "" for none."""
    lowered = {member.lower(): member for member in members}
    return next((lowered[mode] for mode in (*LOCAL, *TESTING, "ci") if mode in lowered), "")


@dataclass(frozen=True)
class Mode:
    variable: str
    local: str  # the value dev and ci set
    default: str  # the app's own, which prod keeps
    test: str = ""  # the value the suite runs with, when the mode has one for tests


def enum_members(root: Path) -> dict[str, dict[str, str]]:
    """The repository's enums with string values: class name -> member name -> value."""
    found = {}
    for path in python_files(root):
        for node in every_node(parsed(path) or ast.Module(body=[], type_ignores=[])):
            if isinstance(node, ast.ClassDef) and any("Enum" in ast.unparse(base) for base in node.bases):
                members = {
                    item.targets[0].id: item.value.value
                    for item in node.body
                    if isinstance(item, ast.Assign) and isinstance(item.targets[0], ast.Name)
                    if isinstance(item.value, ast.Constant) and isinstance(item.value.value, str)
                }
                found[node.name] = members
    return found


def choices(field: SettingField, enums: dict[str, dict[str, str]]) -> dict[str, str]:
    """The values a field takes, by name: a Literal's, or an enum's of the repository."""
    literal = re.match(r"^(?:\w+\.)?Literal\[(.*)\]$", field.annotation.strip())
    if literal:
        values = re.findall(r"['\"]([^'\"]+)['\"]", literal.group(1))
        return {value: value for value in values}
    return enums.get(field.annotation.strip(), {})


def local_mode(settings: Settings | None, root: Path) -> Mode | None:
    """The mode field defaulting to production, with a local value to run dev and ci in; else a mode the app cannot
    start without, which its code compares with a local value (`config("ENVIRONMENT") == "development"`); None when
    there is neither."""
    fields = [f for f in setting_fields(settings) if MODE_NAMED.match(f.name)]
    defaulted = [f for f in fields if PRODUCTION.search(f.default or f.default_code)]
    enums = enum_members(root) if defaulted else {}
    for field in defaulted:
        named = choices(field, enums)
        local = next((value for name, value in named.items() if name.lower() in LOCAL or value.lower() in LOCAL), None)
        default = named.get(field.default_code.rpartition(".")[2], field.default or "")
        if local and default:
            return Mode(field.variable, local, default, testing(named.values()))
        if not named and (compared := compared_with_production(field, root)):
            return compared
    tested = next((m for f in fields if (f.default or "").lower() in TESTING and (m := out_of_test_mode(f, root))), None)
    return tested or compared_mode([f for f in fields if f.default is None], root)


def out_of_test_mode(field: SettingField, root: Path) -> Mode | None:
    """A mode defaulting to tests (ENVIRONMENT = os.getenv("ENVIRONMENT", "test")) that the code compares with
    literals: run in test mode, the app takes its suite's database (`if ENVIRONMENT == "test": DATABASE_URL =
    "sqlite:///test.db"`), never the stack's. The stacks run it in the local mode it names, else in one the code does
    not test for; the suite keeps the default."""
    values = compared_literals(root, {field.variable}).get(field.variable, [])
    if not values:
        return None
    local = next((value for value in values if value.lower() in LOCAL), None)
    local = local or ("DEVELOPMENT" if (field.default or "").isupper() else "development")
    production = next((value for value in values if PRODUCTION.search(value)), local)
    return Mode(field.variable, local, production, field.default or "")


def compared_with_production(field: SettingField, root: Path) -> Mode | None:
    """A plain str mode defaulting to production that the code compares with literals: the local one among them, else
    the code tests for production alone (`DEPLOY_ENV == "PRODUCTION"`) and any other value is local: "development", in
    the default's case. None when the code compares it with nothing."""
    values = compared_literals(root, {field.variable}).get(field.variable, [])
    local = next((value for value in values if value.lower() in LOCAL), None)
    if not local and values and all(PRODUCTION.search(value) for value in values):
        local = "DEVELOPMENT" if (field.default or "").isupper() else "development"
    return Mode(field.variable, local, field.default or "", testing(values)) if local and field.default else None


def compared_mode(required: list[SettingField], root: Path) -> Mode | None:
    """A required mode the code compares with literals: the local one for dev and ci, a production one for prod (the
    local one when the code names none: what it runs with, as its developers run it)."""
    compared = compared_literals(root, {f.variable for f in required}) if required else {}
    for variable, values in compared.items():
        local = next((value for value in values if value.lower() in LOCAL), None)
        if local:
            production = next((value for value in values if PRODUCTION.search(value)), local)
            return Mode(variable, local, production, testing(values))
    return None


def testing(values) -> str:
    """The value among a mode's that names tests ("TEST", "testing"); "" for none."""
    return next((value for value in values if value.lower() in TESTING), "")


def compared_literals(root: Path, variables: set[str]) -> dict[str, list[str]]:
    """Variable -> the strings the code compares its read with (`os.getenv("ENV") == "dev"`, `settings.ENV != "prod"`)."""
    found: dict[str, list[str]] = {}
    for path in python_files(root):
        tree = parsed(path) or ast.Module(body=[], type_ignores=[])
        # A mode read in another module of the repository's and imported (`from config import current_env`).
        bound, readers = imported_bound(tree, root) | environment_bound(tree), module_readers(tree)
        for node in (n for n in every_node(tree) if isinstance(n, ast.Compare) and len(n.comparators) == 1):
            sides = (node.left, node.comparators[0])
            read = next((r for side in sides if (r := read_of(side, bound, readers).upper()) in variables), "")
            literal = next((side.value for side in sides if isinstance(side, ast.Constant) and isinstance(side.value, str)), "")
            if read and literal:
                found.setdefault(read, []).append(literal)
    return found


#: A setting that turns on a redirect of plain HTTP to HTTPS (starlette's HTTPSRedirectMiddleware): FORCE_HTTPS,
#: HTTPS_REDIRECT, SECURE_SSL_REDIRECT. The stack serves plain HTTP, its healthcheck asks it so, and TLS ends in front
#: of it; with the redirect on, every probe got a 307 to an https:// address nothing answers.
HTTPS_ONLY = re.compile(r"(^|_)((FORCE|ENFORCE|REQUIRE)_(HTTPS|SSL)|(HTTPS|SSL)_(REDIRECT|ONLY)|REDIRECT_TO_HTTPS)$", re.I)
TRUE = ("true", "1", "yes", "on")


def https_redirects(settings: Settings | None) -> list[str]:
    """The variables of settings that turn an HTTPS redirect on by default, which every env of the stack turns off."""
    return [f.variable for f in setting_fields(settings) if HTTPS_ONLY.search(f.variable) and (f.default or "").lower() in TRUE]


#: starlette's redirect of plain HTTP to HTTPS, which the app's code may add only outside its debug mode.
HTTPS_REDIRECT = "HTTPSRedirectMiddleware"


def redirect_guards(settings: Settings | None, root: Path) -> dict[str, tuple[str, str]]:
    """Variable -> (the value dev and ci give it, the app's default) for a boolean setting the code adds an HTTPS
    redirect under (`if not settings.debug: app.add_middleware(HTTPSRedirectMiddleware)`: DEBUG=true). The stack
    serves plain HTTP and its healthcheck asks it so: every probe got a 307. Prod keeps the app's own default."""
    fields = {f.name.lower(): f for f in setting_fields(settings) if (f.default or "").lower() in ("true", "false")}
    guards = {}
    for path in python_files(root):
        tree = parsed(path) or ast.Module(body=[], type_ignores=[])
        for node in every_node(tree):
            if not (isinstance(node, ast.If) and any(HTTPS_REDIRECT in ast.unparse(s) for s in node.body)):
                continue
            negated, flag = unnegated(node.test)
            field = fields.get(flag.attr.lower()) if isinstance(flag, ast.Attribute) else None
            if not field and (alias := aliased(flag, tree)) is not None:  # `self.is_production = not config.DEBUG`
                twice, flag = unnegated(alias)
                negated = negated != twice
                field = fields.get(flag.attr.lower()) if isinstance(flag, ast.Attribute) else None
            if field:
                guards[field.variable] = ("true" if negated else "false", field.default.lower())
    return guards


def unnegated(test: ast.expr) -> tuple[bool, ast.expr]:
    """Whether a test is negated (`not x`), and what it tests."""
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    return negated, test.operand if negated else test


def aliased(flag: ast.expr, tree: ast.Module) -> ast.expr | None:
    """What the module assigned to a flag that is no setting (`self.is_production = not app_config.DEBUG`, read as
    `if self.is_production:`); None when it assigns it nothing, or more than once."""
    named = ast.unparse(flag)
    targets = ((n.targets[0] if isinstance(n, ast.Assign) else n.target, n.value) for n in every_node(tree) if assigns(n))
    values = [value for target, value in targets if ast.unparse(target) == named]
    return values[0] if len(values) == 1 else None


def assigns(node: ast.AST) -> bool:
    """An assignment of one target to a value, annotated (`self.is_production: bool = ...`) or not."""
    plain = isinstance(node, ast.Assign) and len(node.targets) == 1
    return plain or (isinstance(node, ast.AnnAssign) and node.value is not None)


#: A str method called on a setting the app left None (`{...}[env.lower()]` of an `ENV: Optional[str] = None`).
NONE_USED = re.compile(r"'NoneType' object has no attribute '(?:lower|upper|strip|casefold|title|startswith|endswith|split)'")


def modes_left_none(words: str, settings: Settings | None, source: str) -> dict[str, str]:
    """Variable -> a local mode the failing file quotes (`{"dev": DevConfig, "prod": ProdConfig}`), for each mode setting
    with no value (`ENV: Optional[str] = None`) when the failure is a str method called on None: the app cannot start
    without one (surajk998/fastapi-fitness-studio). None for a file that quotes no local mode."""
    if not NONE_USED.search(words):
        return {}
    local = local_member(set(re.findall(r"""["'](\w+)["']""", source)))
    fields = [f for f in setting_fields(settings) if MODE_NAMED.match(f.name) and not f.default]
    return {f.variable: local for f in fields} if local else {}
