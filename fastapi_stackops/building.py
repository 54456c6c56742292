"""Image builds said briefly: one line per build step as BuildKit starts it; on failure, one line with the failing
step and its own error lines, and the whole log kept in a file (a build log is hundreds of lines a user scrolls past)."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from fastapi_stackops import StackError
from fastapi_stackops.console import say
from fastapi_stackops.stack import Stack

STEP = re.compile(r"^#(?P<id>\d+) \[(?P<where>[^\]]+)\] (?P<what>.+)$")
FAILED = re.compile(r"^#(?P<id>\d+) ERROR: ")
#: A line of a step's own output that says what went wrong (pip's, apt's, a compiler's, our own checks').
TELLING = re.compile(
    r"(^|\s)(ERROR|[Ee]rror)\b|No matching distribution|Could not find|not found|No such file|fatal:|stackops:|Failed to connect"
    r"|^cause: Because |^And because "  # uv's account of pins that conflict, which its error line leaves out
    r"|^Invalid "  # poetry's own error line ("Invalid python versions ..."), not its deprecation warnings before it
)
#: Lines that match TELLING and tell nothing: pip's hints, and its list of releases for other Pythons (hundreds of
#: characters, before the requirement it could not meet).
UNTELLING = ("note:", "hint:", "ERROR: Ignored the following versions")
#: pip 24.1 on refuses a release whose metadata writes a range its old parsers took (uvicorn 0.14.0's `>=0.4.*`).
INVALID_METADATA = re.compile(r"Requested (\S+) from \S+ .*has invalid metadata: (.+)$")
QUIET = re.compile(r"level=warning|^\s*$")  # Compose's own warnings (Bake, `version:`) are not the build's words
#: pip's and uv's words for a dependency whose own build (a C extension) failed, naming it.
UNCOMPILED = re.compile(
    r"Failed building wheel for ([\w.-]+)|Running setup\.py install for ([\w.-]+)|Failed to build `([\w.-]+?)(?:==[^`]*)?`|"
    r"^╰─> ([\w.-]+)$|Failed to build '([\w.-]+)' when getting requirements"
)


def uncompiled(output: list[str]) -> str:
    """The dependency whose own build failed, as pip or uv names it ("" when none did): its error lines are a
    compiler's, about files that are not the repository's. Of several, the last: the one whose words end the output."""
    named = [next(filter(None, found.groups())) for line in output if (found := UNCOMPILED.search(line.strip()))]
    return named[-1] if named else ""


def step_line(line: str) -> str:
    """A step's one line as the build starts it ("" for any other line, and for BuildKit's internal steps)."""
    found = STEP.match(line.rstrip())
    if not found or "internal" in found["where"]:
        return ""
    said = f"[{found['where']}] {' '.join(found['what'].split())}"
    return said if len(said) <= 110 else said[:107] + "..."


def step_output(lines: list[str], step: str) -> list[str]:
    """A step's own output lines, without BuildKit's prefix and timestamps."""
    prefix = re.compile(rf"^#{step} (\d+\.\d+ )?")
    said = [prefix.sub("", line, count=1).strip() for line in lines if prefix.match(line)]
    return [s for s in said if s and not STEP.match(f"#{step} {s}") and not s.startswith(("ERROR: executor", "DONE", "..."))]


def failure_summary(lines: list[str]) -> str:
    """What failed, in one line: the failing step and its telling lines, else Compose's own last words."""
    failed = [found["id"] for found in map(FAILED.match, lines) if found]
    if not failed:
        said = [line.strip() for line in lines if not QUIET.search(line)][-2:]
        return f"the build failed: {' / '.join(said) or 'with no output'}"
    header = next((step_line(line) for line in lines if line.startswith(f"#{failed[-1]} [")), f"step #{failed[-1]}")
    output = step_output(lines, failed[-1])
    telling = [line for line in output if TELLING.search(line) and not line.startswith(UNTELLING)] or output
    cause = " / ".join(dict.fromkeys(telling[-3:])) or "no output"
    dependency, invalid = uncompiled(output), next(filter(None, map(INVALID_METADATA.search, output)), None)
    if dependency:  # its compiler's lines name files of a dependency's source, which the user never wrote
        cause = f"the dependency {dependency} failed to build from source (its build's words, not the repository's code): {cause}"
    elif invalid:  # pip's "could not find a version" after it lists hundreds of releases: the reason is this line
        cause = f"pip refuses {invalid[1]} for metadata that is not PEP 440 ({invalid[2]}); pin a later release of it"
    return f"the build failed at {header.split('] ')[0]}]: {cause if len(cause) < 500 else cause[:497] + '...'}"


def build_images(
    stack: Stack, services: Sequence[str] = (), extra_env: Mapping[str, str] | None = None, no_cache: bool = False
) -> None:
    """Build the stack's images (or these services'), a line per step; a failure raises one line, the log kept."""
    lines: list[str] = []

    def seen(line: str) -> None:
        lines.append(line.rstrip("\n"))
        said = step_line(line)
        if said and said not in shown:
            shown.add(said)
            say(f"    {said}")

    shown: set[str] = set()

    args = ["--progress", "plain", "build", *(["--no-cache"] if no_cache else []), *services]
    if stack.start_compose(args, extra_env, on_line=seen).wait() != 0:
        log = Path(tempfile.gettempdir()) / f"stackops-build-{stack.project}.log"
        log.write_text("\n".join(lines) + "\n")
        raise StackError(f"{failure_summary(lines)} (the whole log: {log})")
