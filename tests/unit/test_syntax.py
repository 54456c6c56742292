"""fastapi_stackops/adopt/syntax.py: files in Python 3.12's syntax read by the Python running init, lines as written."""

from __future__ import annotations

import ast
import sys

import pytest

from fastapi_stackops.adopt.syntax import parsed

FERNET = "f = Fernet(key=settings.fernet_key)\n"


@pytest.mark.parametrize(
    "header",
    [
        "type UserId = str\n",
        "class Box[T]:\n    pass\n",
        # MIXgleb/fastapi-movie-manager: type parameters over several lines; the file read as none, and the Fernet key
        # its class body makes was made up as a plain string ("Fernet key must be 32 url-safe base64-encoded bytes").
        "class Token[\n    T,\n    K: dict[str, int],\n](Base):\n    pass\n",
        "def first[\n    T,\n](items: list[T]) -> T:\n    return items[0]\n",
    ],
)
def test_a_file_with_type_parameters_is_read_with_its_lines_as_written(tmp_path, header):
    (tmp_path / "m.py").write_text(header + FERNET)
    tree = parsed(tmp_path / "m.py")
    assert tree is not None
    (call,) = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    assert call.lineno == header.count("\n") + 1
    if sys.version_info >= (3, 12):  # the newer Python reads it as written, and agrees on the line
        assert next(n for n in ast.walk(ast.parse(header + FERNET)) if isinstance(n, ast.Call)).lineno == call.lineno
