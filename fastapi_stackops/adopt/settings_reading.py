"""The app's settings, read as syntax trees: pydantic-settings classes (all of them: apps split their settings), and
the variables the code reads from the environment (environment_reads)."""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from pathlib import Path

from fastapi_stackops.adopt.app_mode import enum_members
from fastapi_stackops.adopt.app_settings import SettingField, Settings, required_group
from fastapi_stackops.adopt.config_variables import config_placed_parts, config_variables
from fastapi_stackops.adopt.environment_reads import (
    constant_text,
    environment_read,
    environment_settings,
    migration_environments,
    module_readers,
)
from fastapi_stackops.adopt.source import python_files
from fastapi_stackops.adopt.syntax import calls, every_node, parsed
from fastapi_stackops.adopt.url_parts import placed_parts


def alias_of(node: ast.AST | None) -> str:
    """The variable a `Field(alias=...)` (or validation_alias, or pydantic 1's env) reads instead of the field's name;
    "" for none."""
    if not calls(node, "Field"):
        return ""
    keywords = {k.arg: k.value for k in node.keywords}
    named = keywords.get("validation_alias") or keywords.get("alias") or keywords.get("env")
    if calls(named, "AliasChoices") and named.args:  # AliasChoices("POSTGRES_HOST", "DB_HOST"): the first is read first
        named = named.args[0]
    return str(named.value) if isinstance(named, ast.Constant) and isinstance(named.value, str) else ""


def config_value(settings: ast.ClassDef, key: str) -> str:
    """A settings class's option (env_prefix, env_nested_delimiter) from `model_config = SettingsConfigDict(...)`
    (pydantic-settings 2), the class's own keywords (`class App(BaseSettings, env_prefix="APP_")`) or `class Config`
    (1); "" when unset."""
    keywords = [k.value.value for k in settings.keywords if k.arg == key and isinstance(k.value, ast.Constant)]
    if keywords:
        return str(keywords[0])
    for node in settings.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "model_config" for t in node.targets):
            # One SettingsConfigDict(...), or several merged (`COMMON | SettingsConfigDict(env_prefix="APP_")`): the last wins.
            calls = [n for n in ast.walk(node.value) if isinstance(n, ast.Call)]
            given = [k.value.value for c in calls for k in c.keywords if k.arg == key and isinstance(k.value, ast.Constant)]
            if given:
                return str(given[-1])
        if isinstance(node, ast.ClassDef) and node.name == "Config":
            for item in node.body:
                if isinstance(item, ast.Assign) and any(isinstance(t, ast.Name) and t.id == key for t in item.targets):
                    return str(getattr(item.value, "value", ""))
    return ""


def subclasses(root: Path, base: str) -> list[tuple[ast.ClassDef, str]]:
    """Every class of the repository deriving from `base` (under any name it is imported as), with where it is; and
    theirs (AppSettings(BaseAppSettings), a group of a model base of the app's own), bases before their subclasses."""
    classes, known = [], {base}
    for path in python_files(root):
        for node in every_node(parsed(path) or ast.Module(body=[], type_ignores=[])):
            if isinstance(node, ast.ImportFrom):  # from pydantic import BaseModel as PydanticBaseModel
                known |= {a.asname for a in node.names if a.name == base and a.asname}
            elif isinstance(node, ast.ClassDef):
                classes.append((node, f"{path.relative_to(root)}:{node.lineno}"))
    found = []
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


#: How deep nested groups are read (APP__SECURITY__ACCESS_TOKEN__SECRET_KEY): a model naming itself stops there.
NESTED_DEPTH = 3


def annotated_fields(
    node: ast.ClassDef,
    prefix: str,
    delimiter: str = "",
    groups: dict[str, ast.ClassDef] | None = None,
    outer: str = "",
    readers: tuple = (),
) -> tuple[SettingField, ...]:
    """The class's fields; with env_nested_delimiter, a field typed as a model of the repository's (`database: Database`)
    is its own fields, each read from DATABASE__HOSTNAME and the like."""
    fields = []
    for item in node.body:
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) and item.target.id != "model_config":
            name, annotation = outer + item.target.id, ast.unparse(item.annotation)
            # A group within a group (security: SecurityConfig holding access_token: TokenConfig) nests again.
            if delimiter and groups and annotation in groups and outer.count(delimiter) < NESTED_DEPTH:
                group = group_fields(groups[annotation], groups, prefix, f"{name}{delimiter}", delimiter)
                fields += required_group(group) if item.value is None else group
            else:
                fields.append(class_field(item, name, annotation, prefix, readers))
    return tuple(fields)


def group_fields(model: ast.ClassDef, groups: dict, prefix: str, outer: str, delimiter: str) -> list[SettingField]:
    """A nested group's fields: its model's, after those of the repository's models it derives from
    (`DatabaseConfig(BaseDatabaseConfig)`)."""
    bases = [groups[name] for b in model.bases if (name := getattr(b, "id", "")) in groups and name != model.name]
    inherited = [f for base in bases for f in group_fields(base, groups, prefix, outer, delimiter)]
    return [*inherited, *annotated_fields(model, prefix, delimiter, groups, outer)]


def annotated_field(annotation: ast.expr) -> tuple[ast.expr, ast.Call | None]:
    """`Annotated[T, Field(...)]`'s type and its Field (pydantic's other way to give a default or an alias)."""
    if not (isinstance(annotation, ast.Subscript) and ast.unparse(annotation.value).endswith("Annotated")):
        return annotation, None
    elements = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
    return elements[0], next((e for e in elements[1:] if calls(e, "Field")), None)


def class_field(item: ast.AnnAssign, name: str, annotation: str, prefix: str, readers: tuple) -> SettingField:
    """A settings class's field; one whose default is itself a read (`key: str = config("KEY")`) is that variable."""
    read = environment_read(item.value, *readers) if item.value is not None and readers else None
    if read:
        return SettingField(name, read.default, annotation, alias=read.name, default_code=ast.unparse(item.value))
    kind, field = annotated_field(item.annotation)
    annotation = ast.unparse(kind) if field is not None else annotation
    value = item.value if item.value is not None else field
    code = ast.unparse(value) if value else ""
    return SettingField(name, constant_text(value), annotation, prefix, alias_of(item.value) or alias_of(field), code)


#: A type that admits None: a field so typed may default to it.
ADMITS_NONE = re.compile(r"\bNone\b|Optional\[|\bAny\b")
#: A default given as pydantic's Field.
FIELD_CALL = re.compile(r"^Field\(")
#: A default of None, written bare or as Field's (`Field(None, min_length=64)`, `Field(default=None)`).
NONE_DEFAULT = re.compile(r"^(None|Field\(\s*(default\s*=\s*)?None\s*[,)])")


def validated_defaults(fields: tuple[SettingField, ...], tree: ast.Module | None) -> tuple[SettingField, ...]:
    """pydantic-settings 2 validates defaults: `host: str = None` fails unless its variable is set, so it is required
    (pydantic 1 made such a field optional; its BaseSettings came from pydantic itself, and an Optional field given no
    value defaults to None)."""
    imports = [n for n in every_node(tree) if isinstance(n, ast.ImportFrom)] if tree else []
    if any(n.module == "pydantic" and "BaseSettings" in {a.name for a in n.names} for n in imports):
        return pydantic_one_optionals(fields)
    if "pydantic_settings" not in {n.module for n in imports}:
        return fields
    needed = [
        bool(NONE_DEFAULT.match(f.default_code) and f.annotation and not ADMITS_NONE.search(f.annotation)) or too_short(f)
        for f in fields
    ]
    return tuple(replace(field, default=None) if needed[i] else field for i, field in enumerate(fields))


def pydantic_one_optionals(fields: tuple[SettingField, ...]) -> tuple[SettingField, ...]:
    """pydantic 1 gives a field typed Optional and given no value None by default (yevgenybulochnik/fastapi-tracker's
    `POSTGRES_SERVER: Optional[str]`): it is not required, and a value init made up for it turned the app's SQLite
    into a PostgreSQL DSN its own validator assembles from them."""
    unset = [f.default is None and not f.default_code and ADMITS_NONE.search(f.annotation) for f in fields]
    return tuple(replace(f, default="", default_code="None") if unset[i] else f for i, f in enumerate(fields))


def too_short(field: SettingField) -> bool:
    """Whether a string default is shorter than its Field's min_length, which pydantic-settings refuses as it validates
    it (MartinPNairn/fastapi-jinja's `SECRET_KEY: str = Field(default="", min_length=1)`): the field is required."""
    call = ast.parse(field.default_code, mode="eval").body if FIELD_CALL.match(field.default_code) else None
    least = next((k.value for k in getattr(call, "keywords", ()) if k.arg == "min_length"), None)
    shortest = least.value if isinstance(least, ast.Constant) and isinstance(least.value, int) else 0
    return field.default is not None and len(field.default) < shortest


def held_settings(node: ast.ClassDef, classes: dict, groups: dict, prefix: str, delimiter: str) -> tuple[SettingField, ...]:
    """The fields of the settings classes the class holds with no default (`session: SessionConfig`): pydantic makes them
    from the holder's own variables (URL_SHORTENER__SESSION__SECRET_KEY), as it does a model's. One with a default is
    made by the code, which reads its own."""
    held = [i for i in node.body if isinstance(i, ast.AnnAssign) and i.value is None and ast.unparse(i.annotation) in classes]
    nested = [(i.target.id, classes[ast.unparse(i.annotation)]) for i in held if delimiter and isinstance(i.target, ast.Name)]
    return tuple(
        f for name, model in nested for f in required_group(group_fields(model, groups, prefix, f"{name}{delimiter}", delimiter))
    )


def enum_typed(fields: tuple[SettingField, ...], enums: dict[str, dict[str, str]]) -> tuple[SettingField, ...]:
    """A required field typed as one of the repository's string enums gets its first member's value: a made-up string
    is none of them (ntphiep/fastapi-uv-servive-template's `level: LoggingLevel` stopped the import)."""
    first = {name: next(iter(members.values())) for name, members in enums.items() if members}
    return tuple(
        replace(f, given=first[f.annotation]) if f.default is None and f.given is None and f.annotation in first else f
        for f in fields
    )


def find_settings(root: Path) -> Settings | None:
    """The pydantic-settings class that holds the database URL (else the first one, else the file reading the most from
    the environment), with the fields the app's other settings classes and files cannot start without: settings are
    often split over several classes, and read again where they are used."""
    found, groups, own = [], {n.name: n for n, _ in subclasses(root, "BaseModel")}, {}
    classes, enums = subclasses(root, "BaseSettings"), enum_members(root)  # bases before their subclasses
    for node, where in classes:
        prefix, delimiter = config_value(node, "env_prefix"), config_value(node, "env_nested_delimiter")
        names = [getattr(base, "id", getattr(base, "attr", "")) for base in node.bases]
        inherited = [f for name in names for f in own.get(name, ())]
        # A model of the repository's mixed in (`class PostgresEnv(BaseSettings, PostgresSettings)`): its fields, read
        # with this class's prefix.
        inherited += [f for name in names if name in groups for f in annotated_fields(groups[name], prefix)]
        tree = parsed(root / where.rsplit(":", 1)[0])
        fields = (*inherited, *annotated_fields(node, prefix, delimiter, groups, readers=module_readers(tree)))
        fields += held_settings(node, {n.name: n for n, _ in classes}, groups, prefix, delimiter)
        fields = enum_typed(validated_defaults(fields, tree), enums)
        # A field typed as another settings class (`db: DBSettings`) is made by the code, which reads its own variables.
        own[node.name] = tuple(f for f in fields if f.annotation not in {n.name for n, _ in classes})
        found.append(Settings(node.name, prefix, own[node.name], where))
    found += environment_settings(root, python_files(root)) + config_variables(root)
    placed = tuple((placed_parts(root) | config_placed_parts(root)).items())
    found = [replace(s, placed=placed) for s in found]
    # The class with the database's URL, else its parts, else the one with the most fields (often all the others' sum).
    ranked = sorted(found, key=lambda s: (not s.database, not s.database_parts, -len(s.fields)))
    if not ranked:
        return None
    migrating = environment_settings(root, migration_environments(root))  # their fields alone count
    chosen, more = ranked[0], ranked[1:] + migrating
    rest = {f.variable: f for s in more for f in s.fields if f.variable not in chosen.variables}
    required = {f.variable: f for s in more for f in s.required if f.variable not in chosen.variables}
    return replace(chosen, also=tuple(required.values()), others=tuple(rest.values()))
