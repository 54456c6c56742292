"""A file of the repository's as text, in whatever encoding pip (or git) would read it."""

from __future__ import annotations

from pathlib import Path


def text_of(path: Path, errors: str = "replace") -> str:
    """A requirements file's text in whatever encoding pip would read it: UTF-16 with its BOM (PowerShell's `pip freeze >`
    writes that), else UTF-8; a byte that fits neither (a UTF-16 file cut at an odd length) is replaced, never a crash, unless `errors` is
    "strict" (a file init rewrites: nothing of it may be lost)."""
    data = path.read_bytes()
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    return data.decode(encoding, errors=errors)
