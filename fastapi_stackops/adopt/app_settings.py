"""The app's settings as init knows them: each field, the variable it is read from, which the app cannot start
without, which name the database, and a value of each one's type. Read from the code by settings_reading."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from fastapi_stackops.adopt.fitting_values import named_value, typed_value

#: DATABASE_URL, DB_DSN, DATABASE_ASYNC_URL, DB_CONNECTION, a nested group's DATABASE__URL (env_nested_delimiter="__"),
#: one named for its server: POSTGRES_URL, PG_DSN, MYSQL_URL; and a suite's, its test said before or after (DATABASE_URL_TEST).
DATABASE_FIELD = re.compile(
    r"(?:^|_)(database|db|sqlalchemy_database|sql(?:ite)?(?:db)?|postgres(ql)?|pg|mysql|mariadb)(_server)?(_alembic|_migrations?)?(_a?sync)?(_test)?_{1,2}"
    r"(url|uri|dsn|connection(_str(ing)?)?|conn_str(ing)?)(_a?sync)?(_test)?$"
    r"|^dsn$",
    re.I,
)
#: A database URL's pieces the code writes the rest of the URL around, by their place: all after the scheme
#: (`f"postgresql://{DB_URI}"`), and all before the database's name (`f"{DB_HOST}/{DB_NAME}"`).
URL_PIECES = ("address", "server")
#: What an SQL database's URL scheme begins with: its kind.
KINDS = ("postgresql", "postgres", "mysql", "mariadb", "sqlite")
#: A default that is a database's URL, whatever the field is called (POSTGRES_SYNC_URL, MAIN_STORE); a scheme alone
#: ("mysql+aiomysql://", a prefix the code puts before the parts it joins) is none.
DATABASE_URL = re.compile(rf"^({'|'.join(KINDS)})(\+\w+)?://(?!/*$)", re.I)
#: A default that is a URL's scheme alone (DB_CONNECTION = "mysql", which the code joins with "+pymysql://" and the
#: other parts): the database's kind, or with a driver its whole scheme, whatever the field's name says.
BARE_SCHEME = re.compile(rf"^(?P<kind>({'|'.join(KINDS)})(\+\w+)?)$", re.I)
#: A default that is an SQLite file's path, not a URL (JOBS_DB = "database/jobs.db", which the code puts in a URL).
SQLITE_FILE = re.compile(r"^[\w./-]+\.(db|sqlite3?)$", re.I)


#: A database given in parts (POSTGRES_SERVER, PG_PORT, DB_USER, ...): the part each names. The test suite's own
#: (TEST_DB_HOST, POSTGRES_HOSTNAME_TEST) is the stack's database too, as a test database URL is; so is the one it
#: reaches in Docker (DATABASE_HOST_DOCKER, defaulting to host.docker.internal), and a replica's (MYSQL_READ_HOSTS).
DATABASE_PART = re.compile(
    r"^(?:test_?)?(?:pg|postgre|postgres|postgresql|mysql|mariadb|sql|db|database|datasource)(?:_test)?_{0,2}"
    r"(?:(?:read|write|reader|writer|replica|primary)_)?"
    r"(?:(?P<host>host|hostname|server|ip|hosts)|(?P<port>port)|(?P<user>user|username)|(?:user_?)?(?P<password>password|pass|passwd|pwd)"
    r"|(?P<name>db|name|database)|(?P<schema>schema)"
    r"|(?P<driver>driver|engine|dialect|scheme)|(?P<kind>type|kind))(?:_tests?|_docker)?$",
    re.I,
)
#: A database's name read bare, which the other parts beside it make the name: DATABASE, DB, DBNAME.
BARE_NAME = re.compile(r"^(?:database|db|dbname)$", re.I)
#: A driver named alone (DRIVER, SYNC_DRIVER, ASYNC_DB_ENGINE) is the database's only beside the other parts.
BARE_DRIVER = re.compile(r"^(?:(?P<sync_driver>sync)_|async_)?(?:db_)?(?:driver|dialect|engine)$", re.I)


#: A default written as None (`redis_url: str | None = None`, `Field(default=None)`): the app runs without it.
UNSET = re.compile(r"^(None|Field\((default=)?None\b.*\))$")
#: A default written as an empty value, or as an unset variable's.
EMPTY_DEFAULT = re.compile(r"""^(''|""|os\.(getenv|environ\.get)\(\s*['"]\w+['"]\s*(,\s*(''|""|None)\s*)?\))$""")


@dataclass(frozen=True)
class SettingField:
    name: str
    default: str | None  # None: the app cannot start without it
    annotation: str = ""  # the field's type as written: bool, int, HttpUrl, list[str]
    prefix: str = ""  # its class's env_prefix
    alias: str = ""  # Field(alias="POSTGRES_PORT"): the variable, instead of prefix and name
    default_code: str = ""  # the default as written (Environment.PRODUCTION), when it is an expression
    given: str | None = None  # a value it must be given although it has a default (see required_group)
    exact: bool = False  # read by its exact name (os.getenv), where pydantic's settings match any case

    @property
    def variable(self) -> str:
        named = self.alias or f"{self.prefix}{self.name}"
        return named if self.exact else named.upper()

    @property
    def defaults_to_empty(self) -> bool:
        """Whether it defaults to an empty value: `""`, or an unset variable's (`os.getenv("SECRET_KEY", "")`)."""
        return self.default == "" and bool(EMPTY_DEFAULT.match(self.default_code or '""'))

    @property
    def typed_value(self) -> str | None:
        """A value of the field's type for a required field that is no string (None for a string: a secret). A string
        named for what libraries validate gets a value of that kind: an email address (a mailer's MAIL_FROM), a log
        level (logging's dictConfig), a JWT signing algorithm, a time zone, the URL it is served at."""
        if self.given is not None:
            return self.given
        typed = typed_value(self.annotation)
        if HOSTS_NAMED.search(self.name):  # TrustedHostMiddleware's list: the healthcheck asks 127.0.0.1, a proxy its name
            return '["*"]' if typed == "[]" else "*"
        # By its name, else by its variable (an alias's: `from_: str = Field(alias="SMTP_FROM")`).
        return typed if typed is not None else named_value(self.name) or named_value(self.variable)


def required_group(fields: list[SettingField]) -> list[SettingField]:
    """A nested group the settings cannot start without (`api: ApiConfig`, no default) whose model gives every field a
    default: pydantic still wants one of its variables set ("api Field required"), so the first is given its own
    default, as a required field."""
    if not fields or any(f.default is None for f in fields):
        return fields
    return [replace(fields[0], default=None, given=fields[0].default), *fields[1:]]


def scheme_alone(field: SettingField) -> re.Match | None:
    """A field named as the database's URL whose default is only its scheme (DB_CONNECTION = "mysql")."""
    return BARE_SCHEME.match(field.default or "") if DATABASE_FIELD.search(field.variable) else None


def part_names(field: SettingField) -> tuple[str, ...]:
    """The names a database part may be known by: the variable, the field's name, its name in a nested group."""
    return field.variable, field.name, field.name.rpartition("__")[2]


def setting_fields(settings: Settings | None) -> tuple[SettingField, ...]:
    """Every field the app's settings read, the main class's and the others' (none without settings)."""
    return tuple(settings.fields + settings.others) if settings else ()


#: pydantic's types of an SQL database's URL: a field of one holds the database's, whatever it is called (SQLALCHEMY_URI).
DATABASE_DSN = re.compile(r"\b(Postgres|PostgreSQL|MySQL|MariaDB|Cockroach)Dsn\b")


def holds_database_url(field: SettingField) -> bool:
    """Whether the field holds the database's URL: by its name (unless its default is a scheme alone), its type, or its
    default."""
    named = DATABASE_FIELD.search(field.name) and not BARE_SCHEME.match(field.default or "")
    return bool(named or DATABASE_DSN.search(field.annotation) or DATABASE_URL.match(field.default or ""))


@dataclass(frozen=True)
class Settings:
    class_name: str
    prefix: str
    fields: tuple[SettingField, ...]
    source: str
    also: tuple[SettingField, ...] = ()  # required fields of the app's other settings classes
    others: tuple[SettingField, ...] = ()  # every field of the app's other settings classes (Redis's, a broker's)
    placed: tuple[tuple[str, str], ...] = ()  # (variable or field, part) by its place in a URL the code assembles

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
        handed = {name for name, part in self.placed if part == "url"}  # what the code hands the engine, by any name
        # An SQLite file's path, or a URL's piece the code writes the rest around, whatever it is called.
        pieces = {name for name, part in self.placed if part in ("file", *URL_PIECES)}
        return [
            f
            for f in self.fields
            if (holds_database_url(f) or {f.name, f.variable} & handed) and not {f.name, f.variable} & pieces
        ]

    @property
    def sqlite_files(self) -> list[SettingField]:
        """Fields whose default is an SQLite file's path, bare, with no URL around it, or that the code puts in one."""
        files = {name for name, part in self.placed if part == "file"}
        return [f for f in self.fields + self.others if SQLITE_FILE.match(f.default or "") or {f.name, f.variable} & files]

    @property
    def database_default(self) -> str:
        return (self.database.default or "") if self.database else ""

    @property
    def database_parts(self) -> dict[str, str]:
        """Field name -> the part of the database it names (host, port, user, password, name), beside a URL field too:
        code may build a URL of its own from them (an alembic env.py)."""
        # DB_HOST: HOST under env_prefix DB_; POSTGRES_HOST under an app's own prefix (QUOIN_POSTGRES_HOST); a nested
        # group's (CFG_DB__DB_HOST, field db__DB_HOST), by the name in its group.
        matched = {f.name: next(filter(None, map(DATABASE_PART.match, part_names(f))), None) for f in self.fields}
        parts = {name: m.lastgroup for name, m in matched.items() if m and m.lastgroup}
        drivers = {f.name: BARE_DRIVER.match(f.variable) or scheme_alone(f) for f in self.fields if f.name not in parts}
        drivers = drivers if parts else {}
        # DATABASE = config("DATABASE", default="whelp"), beside DATABASE_HOST: the name, read bare.
        bare = [f for f in self.fields if f.name not in parts and BARE_NAME.match(f.variable)] if parts else []
        named = [f.name for f in bare if "://" not in (f.default or "")]  # a URL read as DATABASE is no name
        parts |= {name: m.lastgroup or "driver" for name, m in drivers.items() if m} | dict.fromkeys(named, "name")
        # USER and SERVER in `f"postgresql://{user}:{password}@{server}/{db}"`: named by their place, not their names.
        placed = {name: part for name, part in self.placed if part not in ("url", "file") and not part.startswith("redis ")}
        by_place = placed_fields(self.fields, placed)
        # `postgresql+{DRIVER}`: the driver's module alone, whatever the name says (DRIVER reads as a whole scheme); a
        # URL's piece (`f"{DB_HOST}/{DB_NAME}"`, DB_HOST all but the name), whatever the name says; a SCHEMA in a URL's
        # place of the database's name is that (AbelClapton's `.../{settings.DB_SCHEMA}` on PostgreSQL).
        kept = {name: part for name, part in by_place.items() if part in ("module", *URL_PIECES) or parts.get(name) == "schema"}
        return by_place | parts | kept

    @property
    def required(self) -> list[SettingField]:
        return [f for f in self.fields if f.default is None] + list(self.also)

    @property
    def summary(self) -> str:
        prefix = f"prefix {self.prefix}" if self.prefix else "no prefix"
        more = f" (with {len(self.also)} of other settings classes)" if self.also else ""
        return f"{self.class_name}, {prefix}, {len(self.fields)} fields, {len(self.required)} without a default{more}"


def placed_fields(fields: tuple[SettingField, ...], placed: dict[str, str]) -> dict[str, str]:
    """Field name -> its part, for fields a URL's place names (`placed`: read or attribute -> part). An attribute a
    nested group's model assembles its URL from (`self.base` of `db: DatabaseSettings`) is that group's field
    (db__base), the group whose fields most places name, not a top-level field of the same name (the app's own host)."""
    groups: dict[str, int] = {}
    for group, last in (f.name.rsplit("__", 1) for f in fields if "__" in f.name):
        groups[group] = groups.get(group, 0) + (last in placed)
    group = max(groups, key=lambda g: groups[g], default="")
    group = group if groups.get(group) else ""
    found = {}
    for field in fields:
        last = field.name.rsplit("__", 1)[-1]
        if group and field.name.startswith(f"{group}__"):
            found |= {field.name: placed[last]} if last in placed else {}
        elif field.variable in placed or (field.name in placed and not (group and "__" not in field.name)):
            found[field.name] = placed.get(field.variable) or placed[field.name]
    return found


#: The hosts an app answers (Starlette's TrustedHostMiddleware, Django's ALLOWED_HOSTS): a made-up one answers no one.
HOSTS_NAMED = re.compile(r"(^|_)(allowed|trusted)_?hosts$", re.I)
