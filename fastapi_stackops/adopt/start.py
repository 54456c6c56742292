"""The repository's own start command (a Procfile's web process), kept with its options and bound where the stack
expects the app: all addresses, the container port."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

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
        if words and words[0] in SERVERS:
            return bound(words, port), f"Procfile:{number}"
    return [], ""
