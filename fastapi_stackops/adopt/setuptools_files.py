"""What setuptools' own files declare a project installs, with no lock: setup.cfg's `install_requires`, or the
literal list setup.py hands setup() (`install_requires=[...]`, or a name bound to one at its top). The builder reads
them as init does and gives them to pip: the project itself is not built."""

from __future__ import annotations

import ast
import configparser
from pathlib import Path

from fastapi_stackops.adopt.syntax import calls, every_node, module_bindings, parsed
from fastapi_stackops.adopt.wheels import text_of


def setup_cfg_requires(root: Path) -> list[str]:
    """setup.cfg's [options] install_requires, a line each ([] without one)."""
    config = configparser.ConfigParser()
    config.read_string(text_of(root / "setup.cfg") if (root / "setup.cfg").is_file() else "")
    return [line.strip() for line in config.get("options", "install_requires", fallback="").splitlines() if line.strip()]


def setup_py_requires(root: Path) -> list[str]:
    """The requirements setup.py's setup() call is given as a literal list, or as a name its top binds to one; [] for
    none, or for a list it computes (read from a file), which only running it would tell."""
    tree = parsed(root / "setup.py") if (root / "setup.py").is_file() else None
    setup = next((n for n in every_node(tree) if calls(n, "setup")), None) if tree else None
    given = next((k.value for k in setup.keywords if k.arg == "install_requires"), None) if setup else None
    given = module_bindings(tree).get(given.id, given) if isinstance(given, ast.Name) else given
    try:
        listed = ast.literal_eval(given) if given is not None else []
    except ValueError:
        return []
    return [item for item in listed if isinstance(item, str)] if isinstance(listed, (list, tuple)) else []


#: The builder's reading of setup.py, as setup_py_requires reads it: its requirements, a line each.
SETUP_PY_LIST = (
    "import ast; t = ast.parse(open('setup.py').read()); "
    "b = {n.targets[0].id: n.value for n in t.body if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name)}; "
    "v = next(k.value for n in ast.walk(t) if isinstance(n, ast.Call) for k in n.keywords if k.arg == 'install_requires'); "
    "print(chr(10).join(ast.literal_eval(b.get(getattr(v, 'id', None), v))))"
)
