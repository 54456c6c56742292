"""The repository's own start command (a Procfile's web process), kept with its options and bound where the stack
expects the app: all addresses, the container port; and the programs its prestart script runs that a slim image lacks."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from fastapi_stackops.adopt.code_databases import written_hosts
from fastapi_stackops.adopt.config_files import config_hosts
from fastapi_stackops.adopt.findings import Finding

SERVERS = ("uvicorn", "gunicorn", "hypercorn", "fastapi")
#: Options that say where a server listens, with how many words each takes: the stack decides that.
BINDING = {"--host": 2, "--port": 2, "--bind": 2, "-b": 2, "--uds": 2, "--fd": 2}


def without_binding(words: list[str]) -> list[str]:
    """The command without its listening options (`--port 5000`, `--bind=0.0.0.0:$PORT`, `-b :80`)."""
    kept, skip = [], 0
    for word in words:
        if skip:
            skip -= 1
            continue
        name = word.split("=", 1)[0]
        if name in BINDING:
            skip = 0 if "=" in word else BINDING[name] - 1
            continue
        kept.append(word)
    return kept


def bound(words: list[str], port: int) -> list[str]:
    """The command listening on all addresses at `port`, in the server's own option."""
    words = without_binding(words)
    server = next(w for w in words if w in SERVERS)
    if server == "gunicorn" or server == "hypercorn":
        return [*words, "--bind", f"0.0.0.0:{port}"]
    return [*words, "--host", "0.0.0.0", "--port", str(port)]


def procfile_command(root: Path, port: int) -> tuple[list[str], str]:
    """The Procfile's web command running a known ASGI server, bound to `port`; and where it was read ([] if none)."""
    procfile = root / "Procfile"
    if not procfile.is_file():
        return [], ""
    for number, line in enumerate(procfile.read_text().splitlines(), 1):
        kind, _, command = line.partition(":")
        if kind.strip() != "web":
            continue
        try:
            words = shlex.split(re.sub(r"\$\{?PORT\}?", str(port), command))
        except ValueError:
            return [], ""
        if words[:2] == ["python", "-m"] or words[:2] == ["python3", "-m"]:
            words = words[2:]
        if words and words[0] in SERVERS and holds_its_app(root, words):
            return bound(words, port), f"Procfile:{number}"
    return [], ""


def holds_its_app(root: Path, words: list[str]) -> bool:
    """Whether the repository holds the module a server's `module:app` names (a stale Procfile naming a module long
    gone crash-looped the stack: Olukeye/fastapi-shop-app); a command naming no such target is taken as it is."""
    target = served_target(words)
    module = root / target.partition(":")[0].replace(".", "/")
    return not target or module.with_suffix(".py").is_file() or module.is_dir()


def served_target(words: list[str] | tuple[str, ...]) -> str:
    """The `module:app` a server's command names ("" for none)."""
    return next((word for word in words[1:] if re.fullmatch(r"[A-Za-z_][\w.]*:[\w.()]+", word)), "")


def served_top_level(root: Path, words: tuple[str, ...]) -> list[str]:
    """The top-level module (main.py) or package the start command serves, which the image needs though the app
    init found lives elsewhere (main.py re-exporting apit's app); none when the repository lacks it."""
    first = served_target(words).partition(":")[0].split(".")[0]
    return [name for name in (f"{first}.py", first) if first and (root / name).exists()][:1]


#: Programs a prestart script runs that a slim Python image lacks, and the Debian package that brings each.
SCRIPT_PROGRAMS = {
    "nc": "netcat-openbsd",
    "curl": "curl",
    "wget": "wget",
    "pg_isready": "postgresql-client",
    "psql": "postgresql-client",
    "mysqladmin": "mariadb-client",
    "redis-cli": "redis-tools",
    "jq": "jq",
}


def script_text(root: Path, migrate: Finding | None) -> str:
    """The prestart script (`sh prestart.sh`) without its comments; "" when the migrations are no script."""
    words = migrate.value.split() if migrate else []
    script = root / words[1] if words[:1] == ["sh"] and len(words) > 1 else None
    if script is None or not script.is_file():
        return ""
    return "\n".join(line.split("#", 1)[0] for line in script.read_text(errors="replace").splitlines())


#: A host the script waits on: `nc -z db 5432`, `pg_isready -h db` (PostgreSQL's port unless -p says).
WAITED_ON = (
    re.compile(r"\bnc\s+(?:-\S+\s+)*(?P<host>[A-Za-z][\w.-]*)\s+(?P<port>\d{2,5})\b"),
    re.compile(r"\bpg_isready\b[^\n]*?-h\s*(?P<host>[A-Za-z][\w.-]*)(?:[^\n]*?-p\s*(?P<port>\d{2,5}))?"),
)


def script_hosts(text: str) -> tuple[tuple[str, int], ...]:
    """(host, port) the prestart script (its `script_text`) waits on by name (the repository's own Compose service,
    `db`): the stack's service on that port answers to it too."""
    found = [(m["host"], int(m["port"] or 5432)) for pattern in WAITED_ON for m in pattern.finditer(text)]
    return tuple(dict.fromkeys((host, port) for host, port in found if host != "localhost"))


def script_programs(text: str, migrate: Finding | None) -> tuple[dict[str, str], list[Finding]]:
    """program -> Debian package, for each program the prestart script (its `script_text`, run as `migrate` says)
    runs that a slim image lacks (`while ! nc -z db 5432`): where a command starts; and what init says of them."""
    starts = r"(?:^|[;&|(`]|\$\(|\b(?:while|until|if|do|then|else|exec)\b)\s*!?\s*"
    found = {p: package for p, package in SCRIPT_PROGRAMS.items() if re.search(starts + re.escape(p) + r"(?=\s|$)", text, re.M)}
    said = f"{', '.join(dict.fromkeys(found.values()))}, for {', '.join(found)}: a slim image lacks them"
    return found, [Finding("programs", said, migrate.source)] if found else []


def prestart_fields(root: Path, migrate: Finding | None) -> tuple[dict, list[Finding]]:
    """What the prestart script needs of the image and the stack: the programs it runs, the hosts it waits on; and
    the hosts the code's assembled URLs name."""
    script = script_text(root, migrate)
    programs, said = script_programs(script, migrate)
    return {
        "programs": tuple(programs.items()),
        "waited_on": script_hosts(script) + written_hosts(root) + config_hosts(root),
    }, said
