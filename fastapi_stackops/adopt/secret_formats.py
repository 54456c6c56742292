"""Secrets a library takes only in a format of its own: a Fernet key is 32 url-safe base64-encoded bytes, and a made-up
string of any other shape stops the app at import ("Fernet key must be 32 url-safe base64-encoded bytes"); Sentry's DSN
is a URL of its project, and none (an empty one) turns Sentry off."""

from __future__ import annotations

import ast
import base64
import os
import secrets
from pathlib import Path

from fastapi_stackops.adopt.environment_reads import environment_bound, module_readers, read_of
from fastapi_stackops.adopt.source import python_files
from fastapi_stackops.adopt.syntax import calls, parsed

#: A library's call taking a secret of its own format (the keyword named, else its first argument), and how one of
#: that format is made.
FORMATS = {
    "Fernet": ("key", lambda: base64.urlsafe_b64encode(os.urandom(32)).decode()),
    # A made-up string stops the app at import (BadDsn: Unsupported scheme ''); an empty DSN sends nothing anywhere.
    "sentry_sdk.init": ("dsn", lambda: ""),
}


def secret_given(call: ast.Call, kind: str) -> ast.expr | None:
    """The argument a call of the library's (`Fernet(key)`, `sentry_sdk.init(dsn=...)`) takes its secret in, or None
    when it is no such call."""
    owner, _, name = kind.rpartition(".")
    if not calls(call, name) or (owner and not (isinstance(call.func, ast.Attribute) and ast.unparse(call.func.value) == owner)):
        return None
    keyword, _ = FORMATS[kind]
    given = next((k.value for k in call.keywords if keyword and k.arg == keyword), None)
    return given or (call.args[0] if call.args else None)


def formatted_secrets(root: Path) -> tuple[tuple[str, str], ...]:
    """(variable or settings field, its format) for each read the code passes such a call: `Fernet(secret_key)` of
    `secret_key = config("SECRET_KEY")`, `Fernet(settings.FERNET_KEY.encode())`, `sentry_sdk.init(dsn=settings.DSN)`."""
    found: dict[str, str] = {}
    for path in python_files(root):
        if not any(kind.split(".")[0] in path.read_text(errors="replace") for kind in FORMATS) or not (tree := parsed(path)):
            continue
        bound, readers = environment_bound(tree), module_readers(tree)
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            given = {kind: node for kind in FORMATS if (node := secret_given(call, kind)) is not None}
            found |= {read: kind for kind, node in given.items() for read in reads_in(node, bound, readers)}
    return tuple(found.items())


def reads_in(node: ast.expr, bound: dict[str, str], readers: tuple) -> list[str]:
    """The variables or settings fields an expression reads, outermost first: `settings.KEY.encode()` reads KEY (a
    method's name is none), `os.environ["KEY"]` reads KEY (not `environ`)."""
    read = read_of(node, bound, readers)
    if read:
        return [read]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return reads_in(node.func.value, bound, readers) + [r for arg in node.args for r in reads_in(arg, bound, readers)]
    return [r for child in ast.iter_child_nodes(node) for r in reads_in(child, bound, readers)]


def format_of(variable: str, formatted: tuple[tuple[str, str], ...]) -> str:
    """The library format the code passes the variable in ("" for none): a settings field names its variable whatever
    the class's prefix (SVC_SENTRY_DSN for SENTRY_DSN)."""
    named = [k for name, k in formatted if variable.upper() == name.upper() or variable.upper().endswith(f"_{name.upper()}")]
    return named[0] if named else ""


def made_up_secret(variable: str, formatted: tuple[tuple[str, str], ...], prefix: str) -> str:
    """A throwaway secret for the variable: of its library's format when the code passes it one, else `prefix-Secret0`
    and hex digits, plain to see as made up, 32 characters in all: a key's usual size, which code that encodes the
    secret itself into a key needs exactly (aykut-canturk/fastapi-jwt-auth-starter's `Fernet(urlsafe_b64encode(secret))`).
    An uppercase letter, a lowercase one, a digit and a sign each: what an app's own strength check asks of a secret."""
    kind = format_of(variable, formatted)
    return FORMATS[kind][1]() if kind else f"{prefix}-Secret0{secrets.token_hex(16)}"[:32]


def may_be_empty(variable: str, formatted: tuple[tuple[str, str], ...]) -> bool:
    """Whether the variable's library takes it empty (Sentry's DSN turns Sentry off): no start requires a value."""
    kind = format_of(variable, formatted)
    return bool(kind) and not FORMATS[kind][1]()
