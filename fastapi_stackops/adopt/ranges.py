"""The version ranges of a project with no lock, and the release pip would pick in each: poetry's ^ and ~ as poetry-core
reads them, and PEP 440's comparisons. Final releases only; pure: tested as a table."""

from __future__ import annotations

import re

Release = tuple[int, ...]
CLAUSE = re.compile(r"(\^|~=|~|===|==|!=|>=|<=|>|<)?\s*v?(\d+(?:\.\d+)*)(\.\*)?$")
FINAL = re.compile(r"\d+(\.\d+)*$")
REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*([^;#@]*)")


def release(text: str) -> Release:
    return tuple(int(part) for part in text.split("."))


def padded(version: Release) -> Release:
    return version + (0,) * (6 - len(version))


def caret_upper(version: Release) -> Release:
    """^1.2.3 allows <2, ^0.2.3 <0.3, ^0.0.3 <0.0.4: the first non-zero part may not change."""
    index = next((i for i, part in enumerate(version) if part), len(version) - 1)
    return (*version[:index], version[index] + 1)


def tilde_upper(version: Release, compatible: bool) -> Release:
    """~1.2.3 and ~=1.2.3 allow <1.3; ~1 allows <2; ~=1.4 allows <2."""
    index = max(len(version) - 2, 0) if compatible else min(len(version) - 1, 1)
    return (*version[:index], version[index] + 1)


def allows(spec: str, version: Release) -> bool | None:
    """Whether the range allows a final release; None when a clause is not understood (an || alternative, a URL)."""
    for clause in filter(None, re.split(r"\s*,\s*|\s+(?=[<>=!~^])", spec.strip())):
        if clause == "*":
            continue
        parsed = CLAUSE.match(clause)
        if not parsed:
            return None
        op, bound, wildcard = parsed.group(1) or "==", release(parsed.group(2)), bool(parsed.group(3))
        if wildcard and op not in ("==", "!="):  # not PEP 440 (pylint 2.6.0's >=3.5.*): pip ignores such a clause
            return None
        if wildcard:
            same = version[: len(bound)] == bound
            if same != (op != "!="):
                return False
            continue
        if op in ("^", "~", "~="):
            upper = caret_upper(bound) if op == "^" else tilde_upper(bound, op == "~=")
            if not padded(bound) <= padded(version) < padded(upper):
                return False
            continue
        ok = {
            "==": padded(version) == padded(bound),
            "===": padded(version) == padded(bound),
            "!=": padded(version) != padded(bound),
            ">=": padded(version) >= padded(bound),
            "<=": padded(version) <= padded(bound),
            ">": padded(version) > padded(bound),
            "<": padded(version) < padded(bound),
        }[op]
        if not ok:
            return False
    return True


def newest_allowed(spec: str, versions: list[str]) -> str:
    """The newest final release the range allows ("" for none, or when the range is not understood)."""
    finals = sorted((release(v), v) for v in versions if FINAL.match(v))
    return next((text for version, text in reversed(finals) if allows(spec, version)), "")


def requirement_ranges(lines: list[str]) -> dict[str, str]:
    """name -> range of each requirement line ("" for none); options, URLs and includes are left out."""
    found = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if not line or line.startswith("-") or "://" in line:
            continue
        parsed = REQUIREMENT.match(line)
        if parsed:
            found[parsed.group(1)] = parsed.group(2).strip()
    return found


def poetry_ranges(dependencies: dict) -> dict[str, str]:
    """[tool.poetry.dependencies] as name -> range; optional ones (an extra's), git or path ones, and lists of ranges by
    Python left out."""
    found = {}
    for name, value in dependencies.items():
        if isinstance(value, dict):
            if value.get("optional") or "version" not in value:
                continue
            value = value["version"]
        if name.lower() != "python" and isinstance(value, str):
            found[name] = value
    return found


#: A requirement's marker bounding the Python from below (`; python_version >= "3.12"`, as `poetry export` writes it).
PYTHON_MARKER = re.compile(r"""python_(?:full_)?version\s*(>=|>|==|~=)\s*["'](3\.\d+)""")


def marked_python(lines: list[str], name: str = "fastapi") -> str:
    """The Python specifier the framework's pin is marked for: `fastapi==0.117.1 ; python_version >= "3.12"` gives
    ">=3.12", since pip skips the line on an older one; "" when unmarked."""
    for line in lines:
        found = REQUIREMENT.match(line.strip())
        marker = PYTHON_MARKER.search(line.split(";", 1)[1]) if found and found[1].lower() == name and ";" in line else None
        if marker:
            operator, version = marker.groups()
            version = f"3.{int(version.split('.')[1]) + 1}" if operator == ">" else version
            return f"=={version}.*" if operator == "==" else f">={version}"
    return ""
