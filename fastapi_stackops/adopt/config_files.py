"""What the repository's config files say of its database: a host by name (an alias of the stack's database) and a
login in parts (the stack's own); the files an app reads its settings from, not Compose's, the tools' or CI's."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi_stackops.adopt.backing import Login
from fastapi_stackops.adopt.wheels import text_of

#: Config files the app reads its settings from, and the env examples a developer copies: at the top or a folder down.
CONFIG_FILES = ("*.yaml", "*.yml", "*.toml", "*.ini", "*.cfg", "*.json")
ENV_EXAMPLES = (".env.example", ".env.sample", "env.example")


def config_files(root: Path, more: tuple[str, ...] = ()) -> list[Path]:
    """The committed config files the app may read (and `more` patterns); a Compose file is none: its names are its
    services'."""
    found = [p for pattern in CONFIG_FILES + more for p in [*root.glob(pattern), *root.glob(f"*/{pattern}")]]
    return [p for p in found if p.is_file() and not NOT_THE_APPS.search(p.relative_to(root).as_posix())]


#: Files no app reads its settings from: Compose's, the tools' (a suite's pytest.ini gives its own login), CI's.
NOT_THE_APPS = re.compile(r"compose|pyproject|pytest\.ini|tox\.ini|setup\.cfg|pre-commit|mkdocs|(^|/)\.[^/]*/|codecov|renovate")


#: A database login's part in a config file (`postgres_password: app` in appsettings.yaml), a plain value.
CONFIG_PART = re.compile(
    r"""^\s*["']?\w*(postgres|pg|db|database|mysql|mariadb)_?(?P<part>user|username|password|pass|pwd|name|database|db)"""
    r"""["']?\s*[:=]\s*["']?(?P<value>[\w.@%+-]+)["']?\s*,?\s*(#.*)?$""",
    re.I,
)


def part_named(word: str) -> str:
    """user, password or database, for a config key's last word (username, pwd, name, ...)."""
    word = word.lower()
    return "user" if word.startswith("user") else "password" if word.startswith("pass") or word == "pwd" else "database"


def config_login(root: Path, kind: str) -> Login | None:
    """The login a config file the app reads gives its database in parts (user, password and database, in one file):
    values a settings library given the file takes over the environment's. Not MySQL's root."""
    for path in config_files(root):
        parts = {}
        for found in filter(None, map(CONFIG_PART.match, text_of(path).splitlines())):
            parts.setdefault(part_named(found["part"]), found["value"])
        if {"user", "password", "database"} <= parts.keys() and not (kind == "mysql" and parts["user"] == "root"):
            return Login(parts["user"], parts["password"], parts["database"], "", str(path.relative_to(root)))
    return None


#: A database's host by name in a committed config file (`postgres_server: database` in appsettings.yaml, `DB_HOST=db`
#: in .env.example): a key naming a database's host, a plain name for its value.
CONFIG_HOST = re.compile(
    r"""^\s*["']?(?!\w*(mongo|redis|influx|couch|click|dynamo|elastic))"""
    r"""(?P<key>\w*(postgres|pg|db|database|mysql|mariadb)_?(host|server|hostname))["']?\s*[:=]\s*["']?"""
    r"""(?P<host>[A-Za-z][\w.-]*)["']?\s*,?\s*(#.*)?$""",
    re.I,
)


def config_hosts(root: Path) -> tuple[tuple[str, int], ...]:
    """(host, port) of each database host a config file at the top or a folder down names: the stack's database
    answers to it too. Compose files are not config: a service's own name there is no host the app was given."""
    found = []
    for path in config_files(root, ENV_EXAMPLES):
        for named in filter(None, map(CONFIG_HOST.match, text_of(path).splitlines())):
            kind = re.search("mysql|mariadb|postgres|pg", named["key"], re.I)
            ports = [5432, 3306] if not kind else [3306] if kind[0].lower() in ("mysql", "mariadb") else [5432]
            local = re.match(r"localhost$|host\.docker\.internal$|your|hostname$|\w+_host$", named["host"], re.I)
            found += [(named["host"], port) for port in ports if not local and (named["host"], port) not in found]
    return tuple(found)
