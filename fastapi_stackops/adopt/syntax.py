"""The repository's Python files as syntax trees: each version of a file parsed, and walked, once, however many passes
init's reading makes; newer syntax (type parameters) read as the Python running init can."""

from __future__ import annotations

import ast
import copy
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from pathlib import Path

#: Python 3.12's type parameters (`def load[E: Base](...)`, `class Box[T]:`) and `type` aliases, which an older Python
#: running init cannot parse: without them the rest of the file reads the same.
TYPE_PARAMETERS = (
    (
        # over several lines too, each a line continued (`\`): the file's line numbers stay as written
        re.compile(r"^(\s*(?:async\s+)?def\s+\w+|\s*class\s+\w+)(\[(?:[^\[\]]|\[[^\[\]]*\])*\])(?=\s*[(:])", re.M),
        lambda m: m[1] + re.sub(r"[^\n]", " ", m[2]).replace("\n", "\\\n"),
    ),
    (re.compile(r"^(\s*)type\s+(\w+)(?:\[[^\n]*?\])?\s*=", re.M), r"\1\2 ="),
)

#: Python 3.12's f-strings (PEP 701): a replacement field that reuses the string's own quote, or holds a backslash
#: (`f"{row["id"]}"`, `f"{'\\n'.join(lines)}"`), which a Python before 3.12 refuses.
NESTED_QUOTES = re.compile(r"""(?i)\b[rb]?f[rb]?(["'])(?:(?!\1)[^\n\\{]|\\.|\{\{)*(?<!\{)\{(?!\{)[^}\n]*?(?:\1|\\)""")
#: Also PEP 701's: a replacement field of a one-line f-string that goes on over a line (`f"{\n settings.host}"`).
FIELD_OVER_LINES = re.compile(r"""(?i)\b[rb]?f[rb]?(["'])(?:(?!\1)[^\n\\{]|\\.|\{\{|\{[^{}\n]*\})*(?<!\{)\{(?!\{)[^}\n"']*\n""")


def newer_syntax(paths: Iterable[Path]) -> str:
    """Where code first uses syntax from Python 3.12 on (type parameters, `type` aliases, PEP 701's f-strings), as
    "file:line"; "" when none does. The pattern is confirmed by a Python before 3.12 refusing the file, when that is
    the one running; a newer one reads it either way."""
    for path in paths:
        text = path.read_text(errors="replace")
        for pattern in (*(pattern for pattern, _ in TYPE_PARAMETERS), NESTED_QUOTES, FIELD_OVER_LINES):
            found = pattern.search(text)
            if found and _refused_before_312(text):
                return f"{path}:{text.count(chr(10), 0, found.start()) + 1}"
    return ""


#: typing's generators whose later parameters default from Python 3.13 on (PEP 696): `AsyncGenerator[Session]`.
DEFAULTED_GENERICS = ("AsyncGenerator", "Generator")


def one_argument_generator(paths: Iterable[Path]) -> str:
    """Where code first subscripts typing's AsyncGenerator or Generator with one type, as "file:line": "Too few
    arguments" at import before Python 3.13 (collections.abc's take it on any; a postponed annotation is never
    evaluated at import). "" when none does."""
    for path in paths:
        tree = parsed(path)
        body = tree.body if tree else []
        postponed = any(isinstance(n, ast.ImportFrom) and n.module == "__future__" for n in body)
        typed = {
            alias.asname or alias.name
            for node in (every_node(tree) if tree and not postponed else ())
            if isinstance(node, ast.ImportFrom) and node.module == "typing"
            for alias in node.names
            if alias.name in DEFAULTED_GENERICS
        }
        for node in every_node(tree) if typed else ():
            named = isinstance(node, ast.Subscript) and getattr(node.value, "id", "") in typed
            if named and not isinstance(node.slice, ast.Tuple):
                return f"{path}:{node.lineno}"
    return ""


def needs_three_ten(paths: Iterable[Path]) -> str:
    """Where code first needs Python 3.10, as "file:line": an `X | Y` annotation, which FastAPI and pydantic evaluate
    and 3.9 refuses to (`unsupported operand type(s) for |`), future import or not; or a match statement, which 3.9
    cannot parse (Jkenhjt/FastAPI-URL-shorter's). "" when none does."""
    for path in paths:
        tree = parsed(path)
        for node in every_node(tree) if tree else ():
            if isinstance(node, ast.Match):
                return f"{path}:{node.lineno}"
            annotation = getattr(node, "annotation", None) or getattr(node, "returns", None)
            if annotation is not None and any(
                isinstance(part, ast.BinOp) and isinstance(part.op, ast.BitOr) for part in ast.walk(annotation)
            ):
                return f"{path}:{annotation.lineno}"
    return ""


def _refused_before_312(text: str) -> bool:
    if sys.version_info >= (3, 12):
        return True
    try:
        ast.parse(text)
    except SyntaxError:
        return True
    return False


def parsed(path: Path) -> ast.Module | None:
    """The file's syntax tree; None when it does not parse (with newer syntax read as the Python running init can).
    Each version of a file is parsed once: init reads a large repository's files in several passes. The tree is shared:
    read it, never change it."""
    stat = path.stat()
    return parsed_version(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8192)
def every_node(tree: ast.AST) -> tuple[ast.AST, ...]:
    """Every node of a file's shared tree, walked once: init looks through a repository's files in several passes."""
    return tuple(ast.walk(tree))


@lru_cache(maxsize=8192)
def parsed_version(path: Path, mtime_ns: int, size: int) -> ast.Module | None:
    text = path.read_text(encoding="utf-8-sig", errors="replace")  # a leading BOM, which Python's import skips too
    try:
        return ast.parse(text)
    except SyntaxError:
        for pattern, replacement in TYPE_PARAMETERS:
            text = pattern.sub(replacement, text)
    try:
        return ast.parse(text)
    except SyntaxError:
        return None


def calls(node: ast.AST, name: str) -> bool:
    """Whether the node is a call of `name` (or of `something.name`)."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Name) and func.id == name) or (isinstance(func, ast.Attribute) and func.attr == name)


def template_text(node: ast.JoinedStr) -> str:
    """An f-string's text with each replacement field as NUL: `f"amqp://guest@{host}//"` is "amqp://guest@\\0//"."""
    return "".join(v.value if isinstance(v, ast.Constant) else "\0" for v in node.values)


def written_text(node: ast.AST, names: dict[str, str], unknown: str = "", computed: Callable = lambda _: "") -> str:
    """A string the code writes out: a literal, a literal's `.format()`, or an f-string of literals, names bound only
    to one, and expressions `computed` knows the value of; else "". With `unknown`, an f-string's other parts are that
    text instead: a sketch that still shows what it writes (its host); strings joined with + are sketched so too."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Call):
        return formatted_text(node, names)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and unknown and joins_a_literal(node):
        return concatenated_text(node, names, unknown, computed)
    if not isinstance(node, ast.JoinedStr):
        return ""
    parts = [
        str(v.value)
        if isinstance(v, ast.Constant)
        else names.get(v.value.id, unknown)
        if isinstance(v, ast.FormattedValue) and isinstance(v.value, ast.Name)
        else (computed(v.value) if isinstance(v, ast.FormattedValue) else "") or unknown
        for v in node.values
    ]
    return "".join(parts) if all(parts) else ""


def concatenated_text(node: ast.expr, names: dict[str, str], unknown: str, computed: Callable) -> str:
    """Strings joined with + (`"mariadb://" + settings.DB_USER + "@" + ... + "/flight_record"`), sketched as an
    f-string is: what it does not know is `unknown`."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return "".join(concatenated_text(side, names, unknown, computed) for side in (node.left, node.right))
    if isinstance(node, ast.Name):
        return names.get(node.id, unknown)
    return written_text(node, names, unknown, computed) or computed(node) or unknown


def joins_a_literal(node: ast.BinOp) -> bool:
    """Whether a chain of + joins a string literal: text, not numbers."""
    return any(isinstance(n, ast.Constant) and isinstance(n.value, str) for n in ast.walk(node))


def formatted_text(call: ast.Call, names: dict[str, str]) -> str:
    """`"{user}@{host}".format(user="app", host="127.0.0.1")` of literals (or names bound to one), a `**{...}` literal's
    among them, as it evaluates; "" for any other call, or one given anything else."""
    func = call.func
    template = func.value.value if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Constant) else None
    if getattr(func, "attr", "") != "format" or not isinstance(template, str):
        return ""
    try:
        named: dict = {}
        for keyword in call.keywords:
            named |= ast.literal_eval(keyword.value) if keyword.arg is None else {keyword.arg: known(keyword.value, names)}
        return template.format(*(known(v, names) for v in call.args), **named)
    except (KeyError, IndexError, ValueError, TypeError):  # a field it is not given, or a value it cannot know
        return ""


def known(node: ast.expr, names: dict[str, str]) -> str | int:
    """A string or number literal's value, or a name's bound only to one; ValueError for anything else."""
    value = (
        names.get(node.id)
        if isinstance(node, ast.Name)
        else getattr(node, "value", None)
        if isinstance(node, ast.Constant)
        else None
    )
    if not isinstance(value, (str, int)):
        raise ValueError(ast.dump(node))
    return value


def absolute_imports(tree: ast.AST) -> Iterator[tuple[ast.stmt, str]]:
    """Each absolute import's module with its statement: `import a.b` gives a.b, `from a.b import c` gives a.b."""
    for node in every_node(tree):
        if isinstance(node, ast.Import):
            yield from ((node, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node, node.module


def module_bindings(tree: ast.Module) -> dict[str, ast.expr]:
    """The names a module binds at its top by plain assignment, and the values (`args = {...}` before an engine call)."""
    return {t.id: n.value for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}


def is_main_block(node: ast.stmt) -> bool:
    """Whether the statement is a script's `if __name__ == "__main__":` block."""
    return isinstance(node, ast.If) and "__main__" in ast.unparse(node.test)


def module_level(statements: list[ast.stmt], main: bool = True) -> Iterator[ast.stmt]:
    """The statements a module runs as it loads: its top, and the branches of its `if`, `try` and `with` blocks (a
    reader chosen by mode: `if is_prod(): config = Config(".env.prod")`; an app made one way in debug and another
    otherwise; a whole module in a `try`), not the bodies of its functions and classes. `main`: with a script's
    `if __name__ == "__main__":` block, which an import never runs."""
    for node in statements:
        if not main and is_main_block(node):
            continue
        yield node
        if isinstance(node, ast.If | ast.Try | ast.With):
            branches = [node.body, getattr(node, "orelse", []), getattr(node, "finalbody", [])]
            branches += [handler.body for handler in getattr(node, "handlers", [])]
            yield from (inner for branch in branches for inner in module_level(branch, main))


def is_string_statement(node: ast.AST) -> bool:
    """A docstring, or code kept in a string as a statement (a block of old code between triple quotes)."""
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def code_text(path: Path) -> str:
    """The file's code as it runs, with no comments nor string statements; its text as written when it does not parse.
    The shared tree is copied, never changed."""
    tree = parsed(path)
    if tree is None:
        return path.read_text(errors="replace") if path.is_file() else ""
    tree = copy.deepcopy(tree)
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list) and any(map(is_string_statement, block)):
                setattr(node, name, [n for n in block if not is_string_statement(n)] or [ast.Pass()])
    return ast.unparse(tree)


def untaken(tree: ast.Module) -> set[int]:
    """The nodes of the branches a module never runs: `if DEBUG:` at its top, DEBUG bound there to a bool literal."""
    flags = {
        t.id: n.value.value
        for n in tree.body
        if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant) and isinstance(n.value.value, bool)
        for t in n.targets
        if isinstance(t, ast.Name)
    }
    branches = (
        n.orelse if flags[n.test.id] else n.body
        for n in tree.body
        if isinstance(n, ast.If) and isinstance(n.test, ast.Name) and n.test.id in flags
    )
    return {id(node) for block in branches for statement in block for node in ast.walk(statement)}


def literal_names(tree: ast.Module) -> dict[str, str]:
    """Names the module binds to one string and never to anything else: `POSTGRES_URL = "postgresql://..."`; a branch
    it never runs (`if DEBUG:` with DEBUG = False) binds nothing."""
    bound: dict[str, str | None] = {}
    skipped = untaken(tree)
    for node in (n for n in every_node(tree) if id(n) not in skipped):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        value = getattr(node, "value", None)
        text = value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None
        for target in (t for t in targets if isinstance(t, ast.Name)):
            bound[target.id] = text if bound.get(target.id, text) == text else None
    return {name: text for name, text in bound.items() if text}


def argument(call: ast.Call, position: int, name: str) -> ast.expr | None:
    """What a call passes for a parameter: by keyword, else at its position."""
    given = next((k.value for k in call.keywords if k.arg == name), None)
    return given or (call.args[position] if position < len(call.args) else None)
