"""What a Dockerfile says about its images, read as BuildKit reads it: stages, ARGs, the image a stage starts FROM.

Pure parsing: the text and the build arguments in, a reference out. The
forbidden-files check needs the one image the built image's layers start
with; anything else (a local image that happens to share layers) could hide
the project's own layers from it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from fastapi_stackops import StackError

# ${NAME}, ${NAME:-word}, ${NAME-word}, ${NAME:+word}, ${NAME+word}, $NAME
VARIABLE = re.compile(r"\$\{(\w+)(?:(:?[-+])([^}]*))?\}|\$(\w+)")


@dataclass(frozen=True)
class Stage:
    name: str  # "" when unnamed
    source: str  # the FROM reference, variables unexpanded
    line: int


def instructions(text: str) -> list[tuple[int, str, str]]:
    """(line number, INSTRUCTION, arguments) with continuations joined and comments dropped."""
    found: list[tuple[int, str, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        whole = (pending + stripped).strip()
        pending = ""
        keyword, _, rest = whole.partition(" ")
        found.append((start, keyword.upper(), rest.strip()))
    return found


def expand(text: str, values: Mapping[str, str]) -> str:
    """Substitute build variables as the Dockerfile frontend does (unset ones become empty)."""

    def one(match: re.Match) -> str:
        name = match.group(1) or match.group(4)
        operator, word = match.group(2), match.group(3) or ""
        value = values.get(name)
        if operator in (":-", "-"):
            return value if (value if operator == ":-" else value is not None) else word
        if operator in (":+", "+"):
            return word if (value if operator == ":+" else value is not None) else ""
        return value or ""

    return VARIABLE.sub(one, text)


def parse_stages(text: str) -> tuple[dict[str, str], list[Stage]]:
    """The global ARG defaults (before the first FROM) and every stage."""
    defaults: dict[str, str] = {}
    stages: list[Stage] = []
    for line, keyword, rest in instructions(text):
        if keyword == "ARG" and not stages:
            for item in rest.split():
                name, sep, value = item.partition("=")
                defaults[name] = value.strip("\"'") if sep else defaults.get(name, "")
        elif keyword == "FROM":
            words = [w for w in rest.split() if not w.startswith("--")]
            if not words:
                raise StackError(f"line {line}: FROM names no image")
            name = words[2].lower() if len(words) >= 3 and words[1].upper() == "AS" else ""
            stages.append(Stage(name, words[0], line))
    return defaults, stages


def base_reference(text: str, build_args: Mapping[str, str], target: str = "", where: str = "Dockerfile") -> str:
    """The image the built stage (the target, else the last) starts from, following FROM <stage> to its root.

    Returns "scratch" for an image built from nothing.
    """
    defaults, stages = parse_stages(text)
    if not stages:
        raise StackError(f"{where}: no FROM instruction; it builds no image")
    values: dict[str, str] = {}
    for name, default in defaults.items():  # a default may name an ARG declared before it (ARG B=${A})
        values[name] = build_args[name] if name in build_args else expand(default, values)
    by_name = {stage.name: index for index, stage in enumerate(stages) if stage.name}
    if target:
        if target.lower() not in by_name:
            raise StackError(f"{where}: has no stage named {target!r} (build target); stages: {', '.join(by_name) or 'none'}")
        index = by_name[target.lower()]
    else:
        index = len(stages) - 1
    seen = set()
    while True:
        stage = stages[index]
        reference = expand(stage.source, values)
        if not reference:
            raise StackError(f"{where}:{stage.line}: FROM {stage.source} expands to nothing; give the build argument a value")
        earlier = by_name.get(reference.lower())
        if earlier is None or earlier >= index or earlier in seen:
            return reference
        seen.add(index)
        index = earlier
