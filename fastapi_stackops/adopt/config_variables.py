"""Variables a config file names for the app to fill in from its environment as it loads the file (`debug:
"${DEBUG:-false}"`, `url: "postgresql://${DB_USER}:${DB_PASSWORD}@${DB_HOST}:${DB_PORT}/${DB_NAME}"`), when the code
substitutes them (os.path.expandvars, a `${...}` pattern of its own, pyaml-env): each is a setting, required when it has
no default, and a database URL's are placed by their place in it."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi_stackops.adopt.app_settings import SettingField, Settings
from fastapi_stackops.adopt.config_files import config_files
from fastapi_stackops.adopt.source import python_files
from fastapi_stackops.adopt.url_parts import PLACED

#: Code that fills a file's `${NAME}` from the environment: the standard library's, a pattern of its own, a library's
#: (dependency_injector's Configuration reads a YAML file so: `from_yaml`, `yaml_files=`).
SUBSTITUTES = re.compile(r"expandvars|\\\$\\\{|pyaml_env|envyaml|\bfrom_yaml\(|\byaml_files\s*=")
#: `${NAME}`, `${NAME:-default}` or `${NAME-default}`, as a shell (and most loaders) read them; `${NAME:default}`, as
#: dependency_injector's Configuration does.
REFERENCE = re.compile(r"\$\{(\w+)(?:(?::-?|-)([^}]*))?\}")
#: A URL written in a config file's line, up to a quote or a space.
URL_IN_LINE = re.compile(r"[\w+]+://[^\s'\"]+")


def substitutes(root: Path) -> bool:
    """Whether the app's code fills config files' `${NAME}` in from its environment."""
    return any(SUBSTITUTES.search(path.read_text(errors="replace")) for path in python_files(root))


def config_variables(root: Path) -> list[Settings]:
    """The variables each config file names in `${...}`, as settings with no prefix, when the code fills them in."""
    found = []
    for path in config_files(root) if substitutes(root) else ():
        references = REFERENCE.finditer(path.read_text(errors="replace"))
        fields = {m[1]: SettingField(m[1], None if m[2] is None else m[2].strip("'\""), exact=True) for m in references}
        if fields:
            found.append(Settings("config file variables", "", tuple(fields.values()), str(path.relative_to(root))))
    return found


def config_placed_parts(root: Path) -> dict[str, str]:
    """Variable -> its part of the database, by its place in a database URL a config file assembles from `${...}`."""
    found = {}
    for path in config_files(root) if substitutes(root) else ():
        for line in path.read_text(errors="replace").splitlines():
            url = URL_IN_LINE.search(line)
            value = url[0].rstrip("'\",") if url else ""
            names = [m[1] for m in REFERENCE.finditer(value.split("?", 1)[0])]  # a query's are no part of the login
            placed = PLACED.match(REFERENCE.sub("\0", value))
            if not placed or placed["scheme"] == "\0":
                continue
            parts = ["user", "password", "host", "port", "name"] if len(names) == 5 else ["user", "password", "host", "name"]
            found |= dict(zip(names, parts, strict=True))
    return found
