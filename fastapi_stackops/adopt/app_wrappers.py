"""A factory that returns the FastAPI app it makes inside ASGI middleware, which is still the app to serve
(`return RequestIDMiddleware(SecurityHeadersMiddleware(app))`)."""

from __future__ import annotations

import ast

from fastapi_stackops.adopt.syntax import calls


def returns_it_wrapped(function: ast.FunctionDef, kinds: set[str]) -> bool:
    """Whether the function returns the app it makes inside ASGI middleware, each layer taking the one before
    (`return RequestIDMiddleware(SecurityHeadersMiddleware(app))`, through names too): still the app to serve."""
    made: set[str] = set()
    for node in (n for n in ast.walk(function) if isinstance(n, ast.Assign)):
        if any(calls(node.value, kind) for kind in kinds) or wraps(node.value, made):
            made |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return any(isinstance(n, ast.Return) and wraps(n.value, made) for n in ast.walk(function))


def wraps(node: ast.expr | None, made: set[str]) -> bool:
    """Whether a call takes one of these names, or a call that does, as its first argument."""
    first = node.args[0] if isinstance(node, ast.Call) and node.args else None
    return first is not None and (isinstance(first, ast.Name) and first.id in made or wraps(first, made))
