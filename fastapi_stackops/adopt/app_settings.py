"""The app's settings, read as syntax trees: pydantic-settings classes (all of them: apps split their settings), or the
variables the code reads from the environment; which the app cannot start without, and a value of each one's type."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, replace
from pathlib import Path

from fastapi_stackops.adopt.conventions import SERVED_AT
from fastapi_stackops.adopt.source import calls, parsed, python_files

#: DATABASE_URL, DB_DSN, DATABASE_ASYNC_URL, and a nested group's DATABASE__URL (env_nested_delimiter="__").
DATABASE_FIELD = re.compile(r"(database|db|sqlalchemy_database)(_a?sync)?_{1,2}(url|uri|dsn)$|^dsn$", re.I)
#: A database given in parts (POSTGRES_SERVER, PG_PORT, DB_USER, ...): the part each names.
DATABASE_PART = re.compile(
    r"^(?:pg|postgres|postgresql|db|database)_{0,2}"
    r"(?:(?P<host>host|hostname|server)|(?P<port>port)|(?P<user>user|username)|(?P<password>password|pass)|(?P<name>db|name)"
    r"|(?P<driver>driver|engine|dialect|scheme))$",
    re.I,
)
#: A driver named alone (DRIVER, SYNC_DRIVER) is the database's only beside the other parts.
BARE_DRIVER = re.compile(r"^(?:(?P<sync_driver>sync)_|async_)?(?:db_)?(?:driver|dialect)$", re.I)


@dataclass(frozen=True)
class SettingField:
    name: str
    default: str | None  # None: the app cannot start without it
    annotation: str = ""  # the field's type as written: bool, int, HttpUrl, list[str]
    prefix: str = ""  # its class's env_prefix
    alias: str = ""  # Field(alias="POSTGRES_PORT"): the variable, instead of prefix and name
    default_code: str = ""  # the default as written (Environment.PRODUCTION), when it is an expression

    @property
    def variable(self) -> str:
        return (self.alias or f"{self.prefix}{self.name}").upper()

    @property
    def typed_value(self) -> str | None:
        """A value of the field's type for a required field that is no string (None for a string: a secret). A string
        named for what libraries validate gets a value of that kind: an email address (a mailer's MAIL_FROM), a log
        level (logging's dictConfig), a JWT signing algorithm, a time zone, the URL it is served at."""
        typed = typed_value(self.annotation)
        return typed if typed is not None else named_value(self.name)


@dataclass(frozen=True)
class Settings:
    class_name: str
    prefix: str
    fields: tuple[SettingField, ...]
    source: str
    also: tuple[SettingField, ...] = ()  # required fields of the app's other settings classes
    others: tuple[SettingField, ...] = ()  # every field of the app's other settings classes (Redis's, a broker's)

    @property
    def variables(self) -> set[str]:
        return {f.variable for f in self.fields}

    def variable(self, name: str) -> str:
        return f"{self.prefix}{name}".upper()

    @property
    def database(self) -> SettingField | None:
        return next(iter(self.database_fields), None)

    @property
    def database_fields(self) -> list[SettingField]:
        """Every field with the database's URL: a writer's and a reader's (WRITER_DB_URL, READER_DB_URL) are one here."""
        return [f for f in self.fields if DATABASE_FIELD.search(f.name)]

    @property
    def database_default(self) -> str:
        return (self.database.default or "") if self.database else ""

    @property
    def database_parts(self) -> dict[str, str]:
        """Field name -> the part of the database it names (host, port, user, password, name), when no URL field does."""
        if self.database:
            return {}
        matched = {f.name: DATABASE_PART.match(f.variable) for f in self.fields}  # DB_HOST: HOST under env_prefix DB_
        parts = {name: m.lastgroup for name, m in matched.items() if m and m.lastgroup}
        drivers = {f.name: BARE_DRIVER.match(f.variable) for f in self.fields if f.name not in parts} if parts else {}
        return parts | {name: m.lastgroup or "driver" for name, m in drivers.items() if m}

    @property
    def required(self) -> list[SettingField]:
        return [f for f in self.fields if f.default is None] + list(self.also)

    @property
    def summary(self) -> str:
        prefix = f"prefix {self.prefix}" if self.prefix else "no prefix"
        more = f" (with {len(self.also)} of other settings classes)" if self.also else ""
        return f"{self.class_name}, {prefix}, {len(self.fields)} fields, {len(self.required)} without a default{more}"


EMAIL_NAMED = re.compile(r"^(?!.*(pass|secret|key|token|host|server|port|smtp)).*(^|_)e?mail(_|$)", re.I)
NAMED_VALUES = (
    (EMAIL_NAMED, "admin@example.com"),
    (re.compile(r"(^|_)log(ging)?_?level$", re.I), "INFO"),
    # A token's signing algorithm (PyJWT, python-jose): HMAC with the secret the key field gets.
    (re.compile(r"(^|_)(jwt_|token_)?algorithm$", re.I), "HS256"),
    (re.compile(r"(^|_)(timezone|tz)$", re.I), "UTC"),
    # Where the app says it is served (a link in a mail, an OAuth callback): validated as an absolute http(s) URL.
    (
        re.compile(r"(^|_)(base|public|site|app|frontend|server|callback|redirect)_?(url|uri)$", re.I),
        SERVED_AT,
    ),
)


def named_value(name: str) -> str | None:
    """A value of the kind a string's name says libraries validate (an email, a log level, ...), None for the rest."""
    return next((value for pattern, value in NAMED_VALUES if pattern.search(name)), None)


#: A value that validates as each type, for a required setting that is not a string; by the annotation's words.
TYPED_VALUES = (
    (re.compile(r"^(list|List|set|Set|tuple|Tuple|Sequence)\b"), "[]"),
    (re.compile(r"^(dict|Dict|Mapping)\b"), "{}"),
    (re.compile(r"\bbool\b"), "false"),
    (re.compile(r"\b(int|PositiveInt|NonNegativeInt|conint)\b"), "1"),
    (re.compile(r"\b(float|PositiveFloat|Decimal)\b"), "1.0"),
    (re.compile(r"\bEmailStr\b|\bNameEmail\b"), "admin@example.com"),
    (re.compile(r"\bRedisDsn\b"), "redis://localhost:6379/0"),
    (re.compile(r"\b(PostgresDsn|PostgreSQLDsn)\b"), "postgresql://app:app@localhost:5432/app"),
    (re.compile(r"Url\b|Dsn\b"), "http://localhost"),
)


def typed_value(annotation: str) -> str | None:
    """A value pydantic accepts for the annotation; None for a string (or anything unknown), which gets a secret."""
    literal = re.match(r"^Literal\[\s*['\"]?([^'\",\]]+)", annotation)
    if literal:
        return literal.group(1)
    inner = re.sub(r"^(Optional\[(.*)\]|Annotated\[([^,]*),.*\])$", r"\2\3", annotation.strip())
    inner = re.sub(r"\s*\|\s*None$", "", inner)
    return next((value for pattern, value in TYPED_VALUES if pattern.search(inner)), None)


def alias_of(node: ast.AST | None) -> str:
    """The variable a `Field(alias=...)` (or validation_alias) reads instead of the field's name; "" for none."""
    if not calls(node, "Field"):
        return ""
    keywords = {k.arg: k.value for k in node.keywords}
    named = keywords.get("validation_alias") or keywords.get("alias")
    return str(named.value) if isinstance(named, ast.Constant) and isinstance(named.value, str) else ""


def constant_text(node: ast.AST | None) -> str | None:
    """The text of a literal default; None for a required field (no default, `...`, Field() without one)."""
    if node is None or (isinstance(node, ast.Constant) and node.value is Ellipsis):
        return None
    if calls(node, "Field"):
        keywords = {k.arg: k.value for k in node.keywords}
        if "default_factory" in keywords:
            return ""
        return constant_text(keywords.get("default") or (node.args[0] if node.args else None))
    if isinstance(node, ast.Constant):
        return "" if node.value is None else str(node.value)
    return ""  # an expression: a default the app computes


def config_value(body: list[ast.stmt], key: str) -> str:
    """A settings class's option (env_prefix, env_nested_delimiter) from `model_config = SettingsConfigDict(...)`
    (pydantic-settings 2) or `class Config` (1); "" when unset."""
    for node in body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "model_config" for t in node.targets):
            if isinstance(node.value, ast.Call):
                for keyword in node.value.keywords:
                    if keyword.arg == key and isinstance(keyword.value, ast.Constant):
                        return str(keyword.value.value)
        if isinstance(node, ast.ClassDef) and node.name == "Config":
            for item in node.body:
                if isinstance(item, ast.Assign) and any(isinstance(t, ast.Name) and t.id == key for t in item.targets):
                    return str(getattr(item.value, "value", ""))
    return ""


ENVIRONMENT_CALLS = ("os.getenv", "os.environ.get", "getenv")


def environment_read(node: ast.AST, readers: frozenset[str] = frozenset()) -> SettingField | None:
    """`os.getenv("X", default)`, `os.environ.get("X", default)`, `os.environ["X"]`, or a call of one of the module's
    own `readers` (a function that looks its first argument up in the environment): the variable and its default."""
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
        name = constant_text(node.slice)
        return SettingField(name, None) if name else None
    if isinstance(node, ast.Call) and node.args and ast.unparse(node.func) in (*ENVIRONMENT_CALLS, *readers):
        name = constant_text(node.args[0])
        # getenv without a default gives None, not a crash; a reader without one is taken to insist.
        missing = "" if ast.unparse(node.func) in ENVIRONMENT_CALLS else None
        default = constant_text(node.args[1]) if len(node.args) > 1 else missing
        return SettingField(name, default) if name else None
    return None


def environment_key(node: ast.AST) -> ast.AST | None:
    """What `os.environ[key]`, `os.getenv(key)` or `os.environ.get(key)` looks up; None for anything else."""
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
        return node.slice
    if isinstance(node, ast.Call) and node.args and ast.unparse(node.func) in ENVIRONMENT_CALLS:
        return node.args[0]
    return None


def environment_readers(tree: ast.Module) -> frozenset[str]:
    """The module's functions that look their first parameter up in the environment (`get_env_var(key, default)`)."""
    found = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.args.args:
            key = node.args.args[0].arg
            if any(isinstance(k := environment_key(inner), ast.Name) and k.id == key for inner in ast.walk(node)):
                found.add(node.name)
    return frozenset(found)


def environment_settings(root: Path) -> Settings | None:
    """Variables the code reads straight from the environment, as settings with no prefix: the file that reads the most."""
    best = None
    for path in python_files(root):
        tree = parsed(path)
        readers = environment_readers(tree) if tree else frozenset()
        reads = {f.name: f for f in (environment_read(n, readers) for n in (ast.walk(tree) if tree else ())) if f}
        if reads and (best is None or len(reads) > len(best.fields)):
            best = Settings("os.environ reads", "", tuple(reads.values()), str(path.relative_to(root)))
    return best


def settings_classes(root: Path) -> list[tuple[ast.ClassDef, str]]:
    """Every pydantic-settings class with where it is: BaseSettings' subclasses, and theirs (AppSettings(BaseAppSettings))."""
    classes = [
        (n, f"{p.relative_to(root)}:{n.lineno}")
        for p in python_files(root)
        for n in ast.walk(parsed(p) or ast.Module(body=[], type_ignores=[]))
        if isinstance(n, ast.ClassDef)
    ]
    known, found = {"BaseSettings"}, []
    while True:
        more = [
            (n, w)
            for n, w in classes
            if n.name not in known and {getattr(b, "id", getattr(b, "attr", "")) for b in n.bases} & known
        ]
        if not more:
            return found
        known |= {n.name for n, _ in more}
        found += more


def annotated_fields(
    node: ast.ClassDef, prefix: str, delimiter: str = "", groups: dict[str, ast.ClassDef] | None = None, outer: str = ""
) -> tuple[SettingField, ...]:
    """The class's fields; with env_nested_delimiter, a field typed as a model of the repository's (`database: Database`)
    is its own fields, each read from DATABASE__HOSTNAME and the like."""
    fields = []
    for item in node.body:
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) and item.target.id != "model_config":
            name, annotation = outer + item.target.id, ast.unparse(item.annotation)
            if delimiter and not outer and groups and annotation in groups:
                fields += annotated_fields(groups[annotation], prefix, delimiter, None, f"{name}{delimiter}")
            else:
                code = ast.unparse(item.value) if item.value else ""
                fields.append(SettingField(name, constant_text(item.value), annotation, prefix, alias_of(item.value), code))
    return tuple(fields)


def model_classes(root: Path) -> dict[str, ast.ClassDef]:
    """The repository's pydantic models by name: groups a settings class may nest."""
    return {
        n.name: n
        for p in python_files(root)
        for n in ast.walk(parsed(p) or ast.Module(body=[], type_ignores=[]))
        if isinstance(n, ast.ClassDef) and any(getattr(b, "id", getattr(b, "attr", "")) == "BaseModel" for b in n.bases)
    }


def find_settings(root: Path) -> Settings | None:
    """The pydantic-settings class that holds the database URL (else the first one, else the environment reads), with
    the fields the app's other settings classes cannot start without: settings are often split over several classes."""
    found, groups, own = [], model_classes(root), {}
    for node, where in settings_classes(root):  # bases before their subclasses
        prefix, delimiter = config_value(node.body, "env_prefix"), config_value(node.body, "env_nested_delimiter")
        inherited = [f for base in node.bases for f in own.get(getattr(base, "id", getattr(base, "attr", "")), ())]
        own[node.name] = (*inherited, *annotated_fields(node, prefix, delimiter, groups))
        found.append(Settings(node.name, prefix, own[node.name], where))
    found.append(environment_settings(root))
    # The class with the database's URL, else its parts, else the one with the most fields (often all the others' sum).
    ranked = sorted((s for s in found if s), key=lambda s: (not s.database, not s.database_parts, -len(s.fields)))
    chosen = ranked[0] if ranked else None
    if chosen is None:
        return None
    rest = {f.variable: f for s in found if s and s is not chosen for f in s.fields if f.variable not in chosen.variables}
    required = {f.variable: f for s in found if s and s is not chosen for f in s.required if f.variable not in chosen.variables}
    return replace(chosen, also=tuple(required.values()), others=tuple(rest.values()))
