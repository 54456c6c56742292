"""Secrets a library takes only in a format of its own: a Fernet key is 32 url-safe base64-encoded bytes, and a made-up
string of any other shape stops the app at import ("Fernet key must be 32 url-safe base64-encoded bytes"); Sentry's DSN
is a URL of its project, and none (an empty one) turns Sentry off; a Telegram bot's token is its number and a key."""

from __future__ import annotations

import ast
import base64
import os
import secrets
from pathlib import Path

from fastapi_stackops.adopt.app_settings import Settings, setting_fields
from fastapi_stackops.adopt.environment_reads import environment_bound, imported_reads, module_readers, read_of
from fastapi_stackops.adopt.fitting_values import typed_value
from fastapi_stackops.adopt.source import python_files
from fastapi_stackops.adopt.syntax import argument, calls, every_node, parsed


def jwt_shaped() -> str:
    """Three url-safe base64 parts, as a JWT is: a key nobody issued, in the shape a client checks."""
    return ".".join(base64.urlsafe_b64encode(os.urandom(n)).decode().rstrip("=") for n in (24, 48, 32))


def telegram_token() -> str:
    """A Telegram bot's token as aiogram checks one as its Bot is made: the bot's number, a colon, 35 url-safe
    characters. No bot has it."""
    return f"{secrets.randbelow(9 * 10**9) + 10**9}:{secrets.token_urlsafe(27)[:35]}"


#: A library's call taking a secret of its own format (the keyword named, else the argument at its position), and how
#: one of that format is made.
FORMATS = {
    "Fernet": ("key", 0, lambda: base64.urlsafe_b64encode(os.urandom(32)).decode()),
    # A made-up string stops the app at import (BadDsn: Unsupported scheme ''); an empty DSN sends nothing anywhere.
    "sentry_sdk.init": ("dsn", 0, lambda: ""),
    # supabase-py's client refuses a key not shaped as a JWT as it is made ("Invalid API key"), before any request.
    "create_client": ("supabase_key", 1, jwt_shaped),
    # aiogram's Bot refuses a token of any other shape as it is made ("TokenValidationError: Token is invalid!").
    "Bot": ("token", 0, telegram_token),
}

#: The format of a secret its settings field types as a whole number.
DIGITS = "digits"


def secret_given(call: ast.Call, kind: str) -> ast.expr | None:
    """The argument a call of the library's (`Fernet(key)`, `sentry_sdk.init(dsn=...)`) takes its secret in, or None
    when it is no such call."""
    owner, _, name = kind.rpartition(".")
    if not calls(call, name) or (owner and not (isinstance(call.func, ast.Attribute) and ast.unparse(call.func.value) == owner)):
        return None
    keyword, position, _ = FORMATS[kind]
    return argument(call, position, keyword)


def formatted_secrets(root: Path) -> tuple[tuple[str, str], ...]:
    """(variable or settings field, its format) for each read the code passes such a call: `Fernet(secret_key)` of
    `secret_key = config("SECRET_KEY")`, `Fernet(settings.FERNET_KEY.encode())`, `sentry_sdk.init(dsn=settings.DSN)`,
    or passes a class or function of its own that passes it on (`Encrypted(settings.ENCRYPTION_KEY)`)."""
    trees = [tree for path in python_files(root) if (tree := parsed(path))]
    carriers = secret_carriers(
        [tree for tree in trees if any(calls(n, k.rpartition(".")[2]) for n in every_node(tree) for k in FORMATS)]
    )
    found: dict[str, str] = {}
    for tree in trees:
        bound, readers = imported_reads(tree) | environment_bound(tree), module_readers(tree)
        for call in (n for n in every_node(tree) if isinstance(n, ast.Call)):
            given = {kind: node for kind in FORMATS if (node := secret_given(call, kind)) is not None}
            given |= {
                kind: node for name, (kind, place) in carriers.items() if calls(call, name) and (node := argument(call, *place))
            }
            found |= {read: kind for kind, node in given.items() for read in reads_in(node, bound, readers)}
    return tuple(found.items())


def secret_carriers(trees: list[ast.Module]) -> dict[str, tuple[str, tuple[int, str]]]:
    """The code's classes and functions that pass one of their parameters to such a call (`class Encrypted: def
    __init__(self, key): self.fernet = Fernet(key.encode())`): name -> (format, (position, parameter))."""
    found = {}
    for tree in trees:
        for owner in (n for n in every_node(tree) if isinstance(n, ast.ClassDef | ast.FunctionDef) and n.name != "__init__"):
            inits = [f for f in owner.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"]
            function = owner if isinstance(owner, ast.FunctionDef) else next(iter(inits), None)
            parameters = [a.arg for a in function.args.args if a.arg not in ("self", "cls")] if function else []
            for call in (n for n in ast.walk(function) if isinstance(n, ast.Call)) if parameters else ():
                for kind, given in ((k, g) for k in FORMATS if (g := secret_given(call, k)) is not None):
                    names = {n.id for n in ast.walk(given) if isinstance(n, ast.Name)}
                    for parameter in (p for p in parameters if p in names):
                        found[owner.name] = (kind, (parameters.index(parameter), parameter))
    return found


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


def numeric_secrets(settings: Settings | None) -> tuple[tuple[str, str], ...]:
    """(variable, "digits") of each settings field typed as a whole number: a secret made up for one is digits
    (`POSTGRES_PASSWORD: int = 1234`), where `prefix-Secret0...` stops the app at import (int_parsing)."""
    return tuple((f.variable, DIGITS) for f in setting_fields(settings) if typed_value(f.annotation) == "1")


def made_up_secret(variable: str, formatted: tuple[tuple[str, str], ...], prefix: str) -> str:
    """A throwaway secret for the variable: of its library's format when the code passes it one, else `prefix-Secret0`
    and hex digits, plain to see as made up, 32 characters in all: a key's usual size, which code that encodes the
    secret itself into a key needs exactly (aykut-canturk/fastapi-jwt-auth-starter's `Fernet(urlsafe_b64encode(secret))`).
    An uppercase letter, a lowercase one, a digit and a sign each: what an app's own strength check asks of a secret."""
    kind = format_of(variable, formatted)
    if kind == DIGITS:
        return str(secrets.randbelow(9 * 10**17) + 10**17)  # eighteen digits: an int64, as a database may keep it
    return FORMATS[kind][2]() if kind else f"{prefix}-Secret0{secrets.token_hex(16)}"[:32]


def in_a_librarys_format(variable: str, formatted: tuple[tuple[str, str], ...]) -> bool:
    """Whether the code passes the variable to a library taking a secret of its own format (Sentry's DSN, a Fernet
    key): a secret of that format, whatever its name says it is (SENTRY_URL, no web address)."""
    return format_of(variable, formatted) in FORMATS


def may_be_empty(variable: str, formatted: tuple[tuple[str, str], ...]) -> bool:
    """Whether the variable's library takes it empty (Sentry's DSN turns Sentry off): no start requires a value."""
    kind = format_of(variable, formatted)
    return kind in FORMATS and not FORMATS[kind][2]()
