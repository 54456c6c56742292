"""How each installer puts a project's dependencies, alone, into the builder's /opt/venv, and the builder's checks
after it: shell text for the Dockerfile init writes (tests/integration/test_adopt_image_steps.py runs it in the image)."""

from __future__ import annotations

import re

from fastapi_stackops.adopt.conventions import AT_THE_MINOR, PIPFILE_READER, pipfile_pins, pipfile_requirements
from fastapi_stackops.adopt.package_index import normalized
from fastapi_stackops.adopt.repository import Repository
from fastapi_stackops.adopt.setuptools_files import SETUP_PY_LIST

#: The builder's checks after installing, each one shell command (tests/integration/test_adopt_image_steps.py runs them).
FRAMEWORK_INSTALLED = (
    'python -c "import fastapi" 2>/tmp/import.err || { \\\n'
    "    v=$(python -c \"import importlib.metadata as m; print(m.version('fastapi'))\" 2>/dev/null) \\\n"
    '    && echo "stackops: fastapi $v is installed and does not import on $(python -V): $(tail -n 1 /tmp/import.err)" >&2 \\\n'
    '    || echo "stackops: installed without fastapi for $(python -V): no dependency names it, or the pins\' markers exclude this Python" >&2; \\\n'
    "    exit 1; }"
)
#: No installer in the runtime: pip and setuptools leave the venv, unless a dependency imports setuptools or its
#: pkg_resources as it loads (gunicorn before 22, paddlepaddle): setuptools then stays.
NO_INSTALLER = (
    "if grep -rqsE --include='*.py' --exclude-dir=setuptools --exclude-dir=pkg_resources --exclude-dir=pip \\\n"
    "    '^(import|from) (pkg_resources|setuptools)\\b' /opt/venv/lib; then pip uninstall -q -y pip; else pip uninstall -q -y pip setuptools; fi"
)
#: What a dependency ships that nothing reads at run time: its test suite (a tests/ holding test_*.py; pytest-alembic's
#: tests/ is its code), unless its package's own code imports from it (numpy 2.3's testing imports numpy._core.tests),
#: Cython sources and type stubs, but a package's __init__.pyi, which lazy_loader reads as it loads (scikit-image).
BUILD_ONLY = (
    "find /opt/venv/lib -depth -type d -path '*/site-packages/*/tests' \\\n"
    '    -exec sh -c \'for d; do [ -z "$(find "$d" -name "test_*.py" | head -n 1)" ] && continue; p=${d#*/site-packages/}; \\\n'
    '    grep -rqsF --include="*.py" --exclude-dir=tests "$(echo "$p" | tr / .)" "${d%/site-packages/*}/site-packages/${p%%/*}" \\\n'
    '    || rm -rf "$d"; done\' sh {} + \\\n'
    "    && find /opt/venv/lib \\( -name '*.pyx' -o -name '*.pxd' -o -name '*.pxi' -o \\( -name '*.pyi' ! -name '__init__.pyi' \\) \\) -delete"
)
#: Without the column tables (3.11 on) the dependencies' bytecode is about a tenth smaller; tracebacks keep file and line.
DEPENDENCIES_COMPILED = (
    "PYTHONNODEBUGRANGES=1 python -m compileall -qq /opt/venv/lib \\\n"
    '    || echo "stackops: some files of the dependencies in /opt/venv do not compile under $(python -V); kept as source"'
)
#: pyproject.toml's main dependencies (and those of the extras after -E) as requirements, read by poetry-core.
POETRY_MAIN = (
    '"import sys, pathlib; from poetry.core.factory import Factory; a = sys.argv[1:]; '
    "wanted = {{a[i + 1].lower().replace('_', '-') for i, x in enumerate(a) if x == '-E'}}; "
    "print('\\\\n'.join(d.to_pep_508(with_extras=False) for d in Factory().create_poetry(pathlib.Path.cwd()).package.requires "
    'if not d.is_optional() or wanted & set(d.in_extras)))"'
)

#: A requirements file's line naming the project itself (`.`, `-e .`): its code is copied beside the venv, not installed,
#: and the builder has only the requirements file to install it from. So too one a freeze on a developer's Windows
#: machine wrote for it (`-e c:\\users\\me\\project`, wm0630/fastapi-crypto's): a drive no machine here has.
NOT_ITSELF = (
    "sed -i -E -e '/^[[:space:]]*((-e|--editable)[[:space:]]+)?\\.\\/?[[:space:]]*(#.*)?$/d' "
    "-e '/^[[:space:]]*(-e|--editable)[[:space:]]+[A-Za-z]:/d'"
)

#: A range of an old poetry.lock (format 1.1) with wildcards after an ordering operator (python-pydebug 0.6's
#: `>=3.*.*`), which poetry 2 refuses to export ("Invalid python versions"): the wildcards dropped, as older poetry read
#: them (`>=3`). `!=3.0.*`, a valid wildcard, stays.
UNWILDCARDED = "sed -i -E '/^python-versions = /s/([<>]=?[[:space:]]*[0-9]+(\\.[0-9]+)*)(\\.\\*)+/\\1/g' poetry.lock"

#: stackops' own tables ([tool.stackops], [tool.stackops.services.web], ...) taken out of a pyproject.toml, in place.
WITHOUT_OUR_TABLES = "awk '/^\\[/ { ours = /^\\[+ *tool\\.stackops[].]/ } !ours' {path} > /tmp/p && cat /tmp/p > {path}"

#: [project]'s dependencies, as pip's install reads them from pyproject.toml.
ITS_LIST = "['dependencies']"
PROJECT_LIST = f"tomllib.load(open('pyproject.toml', 'rb'))['project']{ITS_LIST}"

#: Each installer: what to copy before the code, and how to install the dependencies alone into /opt/venv.
INSTALLERS = {
    "uv": (
        "pyproject.toml uv.lock",
        "python3 -m venv /opt/uv && /opt/uv/bin/pip install -q uv \\\n"
        "    && UV_PROJECT_ENVIRONMENT=/opt/venv /opt/uv/bin/uv sync --frozen --no-dev --no-install-project --no-cache",
    ),
    # requires-python at one patch release (==3.14.0): uv sync refuses any other, so the lock is exported instead.
    "uv-exported": (
        "pyproject.toml uv.lock",
        "python3 -m venv /opt/uv && /opt/uv/bin/pip install -q uv \\\n"
        "    && /opt/uv/bin/uv export --frozen --no-dev --no-emit-project --no-hashes -q -o /tmp/requirements.txt \\\n"
        f"    && {AT_THE_MINOR} /tmp/requirements.txt \\\n"
        "    && /opt/uv/bin/uv pip install -q --python /opt/venv/bin/python -r /tmp/requirements.txt",
    ),
    "poetry": (
        "pyproject.toml poetry.lock",
        "python3 -m venv /opt/poetry && /opt/poetry/bin/pip install -q poetry poetry-plugin-export \\\n"
        f"    && {UNWILDCARDED} \\\n"
        "    && /opt/poetry/bin/poetry export --only main --without-hashes -o /tmp/requirements.txt \\\n"
        f"    && {AT_THE_MINOR} /tmp/requirements.txt \\\n"
        "    && pip install -q --no-cache-dir -r /tmp/requirements.txt",
    ),
    # No lock committed: poetry-core (poetry's own reading of ^ and ~) turns the main ranges into requirements, and pip
    # resolves them; `poetry lock` would need the index's JSON API, which not every proxy or mirror serves.
    "poetry-unlocked": (
        "pyproject.toml",
        "python3 -m venv /opt/poetry && /opt/poetry/bin/pip install -q poetry-core \\\n"
        f"    && /opt/poetry/bin/python -c {POETRY_MAIN} --only main > /tmp/requirements.txt \\\n"
        "    && pip install -q --no-cache-dir -r /tmp/requirements.txt",
    ),
    # Pipfile.lock's main pins (its "default" section), markers kept, as requirements for pip: no pipenv in the builder.
    "pipenv": (
        "Pipfile.lock",
        f"python -c {pipfile_pins()} > /tmp/requirements.txt \\\n"
        f"    && {AT_THE_MINOR} /tmp/requirements.txt && pip install -q --no-cache-dir -r /tmp/requirements.txt",
    ),
    # A Pipfile with no lock: its packages as requirements for pip, which resolves them.
    "pipfile": (
        "Pipfile",
        # braces doubled: each command is formatted with the requirements file's name
        f"{PIPFILE_READER} python -c {pipfile_requirements()} > /tmp/requirements.txt \\\n".replace("{", "{{").replace("}", "}}")
        + "    && pip install -q --no-cache-dir -r /tmp/requirements.txt",
    ),
    "requirements": (
        "{requirements}",
        f"{AT_THE_MINOR} {{requirements}} && {NOT_ITSELF} {{requirements}} \\\n"
        "    && pip install -q --no-cache-dir -r {requirements}",
    ),
    # setup.cfg's install_requires (its first line is empty), as requirements for pip: the project itself is not built.
    "setup.cfg": (
        "setup.cfg",
        "python -c \"import configparser; c = configparser.ConfigParser(); c.read('setup.cfg'); "
        "print(c['options']['install_requires'])\" > /tmp/requirements.txt \\\n"
        "    && pip install -q --no-cache-dir -r /tmp/requirements.txt",
    ),
    # setup.py's install_requires, read as init reads it (a literal list): the project itself is not built. Its braces
    # are doubled: these commands go through str.format.
    "setup.py": (
        "setup.py",
        'python -c "' + SETUP_PY_LIST.replace("{", "{{").replace("}", "}}") + '" > /tmp/requirements.txt \\\n'
        "    && pip install -q --no-cache-dir -r /tmp/requirements.txt",
    ),
    "pip": (
        "pyproject.toml",
        f"python -c \"import tomllib; print('\\\\n'.join({PROJECT_LIST}))\" "
        "> /tmp/requirements.txt \\\n    && pip install -q --no-cache-dir -r /tmp/requirements.txt",
    ),
}


def with_extras(repo: Repository, install: str) -> str:
    """An install command that also installs the extras bringing the framework (`api = ["fastapi[standard]"]`), and the
    groups beside main (poetry's the app imports from, uv's bringing fastapi); uv sync removes what it is not asked
    for, so the test image's sync names them too."""
    extras = "".join(f" --extra {extra}" for extra in repo.extras) if repo.installer == "uv" else ""
    extras += "".join(f" --group {group}" for group in repo.groups) if repo.installer == "uv" else ""
    if repo.installer == "uv" and "dev" in repo.groups:  # uv's --no-dev wins over --group dev
        install = install.replace(" --no-dev", "")
    extras += "".join(f" -E {extra}" for extra in repo.extras) if repo.installer.startswith("poetry") else ""
    groups = "".join(f",{group}" for group in repo.groups)  # poetry's groups beside main: `--only main,dev`
    # [project]'s list read for pip, with each extra's beside it (bmcandr/fastapi-rabbitmq's fastapi is in one).
    listed = "".join(f" + p['optional-dependencies']['{extra}']" for extra in repo.extras) if repo.installer == "pip" else ""
    install = (
        install.replace(PROJECT_LIST, f"(p := {PROJECT_LIST.removesuffix(ITS_LIST)}){ITS_LIST}{listed}") if listed else install
    )
    return install.replace(" --no-install-project", f" --no-install-project{extras}").replace(
        " --only main", f" --only main{groups}{extras}"
    )


def at_its_version(repo: Repository, install: str) -> str:
    """An install whose uv or poetry is the version the project requires: either refuses to run at another."""
    if not repo.installer_version:
        return install
    tool = "uv" if repo.installer == "uv" else "poetry"
    return install.replace(f"pip install -q {tool} ", f"pip install -q '{repo.installer_version}' ")


def in_workspace(repo: Repository, install: str) -> str:
    """A uv workspace member's install: its own package's dependencies alone, and none of the workspace's projects
    (their code is not in the builder)."""
    if not repo.workspace:
        return install
    chosen = f"--package {repo.workspace.package}"
    return install.replace(" --no-install-project", f" --no-install-workspace {chosen}").replace(
        " --no-emit-project", f" --no-emit-workspace {chosen}"
    )


def builder_install(repo: Repository, install: str) -> str:
    """The builder's install as the repository needs it: with its extras, as its workspace member, at its installer's
    version, without the pins for other systems, and by uv where pip refuses a pin's metadata."""
    made = without_other_systems(repo, at_its_version(repo, in_workspace(repo, with_extras(repo, install))))
    return past_legacy_metadata(repo, made)


#: uv into a venv of its own, outside the date a no-lock build keeps to (uv is younger than many such dates).
UV_OF_ITS_OWN = "python3 -m venv /opt/uv && env -u PIP_UPLOADED_PRIOR_TO /opt/uv/bin/pip install -q uv"


def past_legacy_metadata(repo: Repository, install: str) -> str:
    """An install by uv where pip refuses a pin's metadata as not PEP 440 (pip 24.1 on; the build's date needs pip 26):
    uv reads it as pip used to, and keeps to the same date (UV_EXCLUDE_NEWER)."""
    if not repo.lenient_install:
        return install
    uv = f"{UV_OF_ITS_OWN} \\\n    && /opt/uv/bin/uv pip install -q --python /opt/venv/bin/python -r "
    return re.sub(r"(?:/opt/venv/bin/python -m )?pip install -q --no-cache-dir -r (\S+)", lambda found: uv + found[1], install)


def without_other_systems(repo: Repository, install: str) -> str:
    """An install that first deletes from its requirements the lines naming pins with files for other systems only
    (pywin32==306, however the file spells it: PyWin32, py_win32), where pip would find nothing and fail."""
    if not repo.other_systems:
        return install
    names = "|".join(re.escape(normalized(pin.split("==")[0])).replace("\\-", "[-_.]") for pin in repo.other_systems)
    deleted = f"sed -i -E '/^[[:space:]]*({names})[[:space:]]*([=<>!~;[]|$)/Id'"
    return re.sub(r"pip install -q --no-cache-dir -r (\S+)", lambda m: f"{deleted} {m[1]} \\\n    && {m[0]}", install, count=1)


#: The suite's `uv sync` of its group or extra, which fetches each pin from the URL the lock recorded.
UV_SYNC = re.compile(
    r"UV_PROJECT_ENVIRONMENT=/opt/venv /opt/uv/bin/uv sync --frozen --inexact --no-install-project --no-cache (--(?:group|extra) \S+)"
)


def past_unreached_index(repo: Repository, install: str) -> str:
    """An install past the index the lock was made against (a regional mirror) when it does not answer here: uv
    without the project's own index settings, the suite's sync as the lock's pins exported (par4d15e/fastapi_backend's
    test image fetched its pytest from the mirror), poetry's export without the sources' URLs."""
    if not repo.unreached_index:
        return install
    install = UV_SYNC.sub(
        lambda sync: (
            f"/opt/uv/bin/uv export --frozen --no-emit-project --no-hashes -q {sync[1]} -o /tmp/test-requirements.txt \\\n"
            f"    && {AT_THE_MINOR} /tmp/test-requirements.txt \\\n"
            "    && /opt/uv/bin/uv pip install -q --python /opt/venv/bin/python -r /tmp/test-requirements.txt"
        ),
        install,
    )
    return install.replace("uv pip install -q", "uv pip install -q --no-config").replace(
        " --without-hashes", " --without-hashes --without-urls"
    )
