"""The Dockerfile init writes: multi-stage, the lock's installer in the builder only, a numeric non-root UID."""

from __future__ import annotations

import json
import re
import shlex

from fastapi_stackops.adopt.build_context import code_paths, manifest_copies
from fastapi_stackops.adopt.compiling import COMPILER, COMPILER_FALLBACK, TEST_COMPILER, build_constraints
from fastapi_stackops.adopt.conventions import CODE_DIR, CONTAINER_PORT, DATA_DIR, HEADER, UID
from fastapi_stackops.adopt.data_folders import folder_of
from fastapi_stackops.adopt.installers import (
    BUILD_ONLY,
    DEPENDENCIES_COMPILED,
    FRAMEWORK_INSTALLED,
    INSTALLERS,
    NO_INSTALLER,
    WITHOUT_OUR_TABLES,
    builder_install,
    in_workspace,
    past_legacy_metadata,
    past_unreached_index,
    with_extras,
)
from fastapi_stackops.adopt.local_forward import forwarder_install
from fastapi_stackops.adopt.made_in_image import in_context, made_in_image
from fastapi_stackops.adopt.repository import Repository
from fastapi_stackops.adopt.source import src_packages_by_name
from fastapi_stackops.adopt.testing import ENSUREPIP
from fastapi_stackops.adopt.vcs_dependencies import git_step
from fastapi_stackops.adopt.wheels import native_libraries
from fastapi_stackops.substitutes import DEBIAN_SHIPS


def python_image(version: str) -> str:
    """The official image for a Python version, in the Debian suite a substitute for it would come from."""
    return f"python:{version}-slim-{DEBIAN_SHIPS['python'].get(version, 'bookworm')}"


def server_command(repo: Repository) -> list[str]:
    """The start command: the repository's own, else its server on all addresses, a factory called when the app is one."""
    if repo.start:
        return list(repo.start)
    target = f"{repo.app.module}:{repo.app.attribute}"
    if repo.server == "gunicorn":
        # gunicorn calls a factory written as module:name().
        target += "()" if repo.app.factory else ""
        return ["gunicorn", "--worker-class", repo.gunicorn_worker, "--bind", f"0.0.0.0:{CONTAINER_PORT}", target]
    return ["uvicorn", target, "--host", "0.0.0.0", "--port", str(CONTAINER_PORT)] + (["--factory"] if repo.app.factory else [])


def start_command(repo: Repository) -> list[str]:
    """The image's CMD: migrations first when the repository has them (the server starts only on their success)."""
    server = server_command(repo)
    if not repo.migrations:
        return server
    return ["sh", "-c", f"{repo.migrations} && exec {shlex.join(server)}"]


#: A path that is the app's document, not a health route: what it answers is not the app's health.
DOCUMENT = re.compile(r"/(openapi(\.json)?|docs|redoc)/?$")


def health_probe(port: int, path: str) -> list[str]:
    """The command that asks the app's health path with the image's own Python. With none known (an app with no
    health route, or only its OpenAPI document, which a login may guard), any answer below 500 counts: the server is
    up and handling."""
    ask = f"urllib.request.urlopen('http://127.0.0.1:{port}{path or '/'}', timeout=3)"
    answered = f"import sys, urllib.request\ntry: {ask}\nexcept urllib.error.HTTPError as e: sys.exit(e.code >= 500)"
    return ["python", "-c", f"import urllib.request; {ask}" if path and not DOCUMENT.search(path) else answered]


def healthcheck_test(port: int, path: str) -> str:
    """The probe as a Compose healthcheck test."""
    return json.dumps(["CMD", *health_probe(port, path)])


def healthcheck(path: str) -> str:
    return (
        "# Ready when the app answers its health path; Compose and smoke read this.\n"
        "HEALTHCHECK --interval=5s --timeout=4s --start-period=30s --retries=5 \\\n"
        f"    CMD {json.dumps(health_probe(CONTAINER_PORT, path))}\n"
    )


def apt_install(packages: str, why: str) -> str:
    """One Debian install step that leaves no package lists in the layer."""
    # DL3008 (pin apt versions): the base image's suite already fixes them, and its security updates are wanted.
    return (
        f"# {why}\n# hadolint ignore=DL3008\nRUN apt-get update && apt-get install -y --no-install-recommends {packages} \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
    )


def native_steps(compiled: tuple[str, ...]) -> tuple[str, str]:
    """The builder's compiler step and the runtime's shared-library step for pins built from source ("" for none)."""
    if not compiled:
        return "", ""
    libraries = list(dict.fromkeys(filter(None, (native_libraries(pin.split("==")[0]) for pin in compiled))))
    build = " ".join([COMPILER, *(headers for headers, _ in libraries)])
    runtime = " ".join(shared for _, shared in libraries if shared)
    listed, why = ", ".join(compiled), "no wheel for this Python, so compiled here; the compiler stays in this stage."
    builder = apt_install(build, f"{listed}: {why}") + build_constraints(compiled)
    return builder, apt_install(runtime, f"What {listed} loads at run time.") if runtime else ""


CA_SECRET = (
    "# A TLS-intercepting proxy's CA arrives as a build secret, never in a layer.\n"
    "RUN --mount=type=secret,id=ca_bundle \\\n"
    "    if [ -s /run/secrets/ca_bundle ]; then export PIP_CERT=/run/secrets/ca_bundle SSL_CERT_FILE=/run/secrets/ca_bundle; fi \\\n"
    "    && "
)


def added_packages(repo: Repository) -> str:
    """What the app's dependencies lack and the image runs (a template keeps uvicorn, or alembic, among its dev
    dependencies, or names no server at all; a module it imports, which no dependency installs): added alone."""
    if not repo.added:
        return ""
    pip = (
        "/opt/uv/bin/uv pip install -q --python /opt/venv/bin/python"
        if repo.installer == "uv"
        else "pip install -q --no-cache-dir"
    )
    added = " ".join(map(shlex.quote, repo.added))  # an extra's brackets are the shell's glob
    return f"# The app's dependencies lack what the image runs (its server, its migrations' alembic, a module it imports): {added}.\n{CA_SECRET}{past_unreached_index(repo, pip)} {added}\n"


STRIP_TOOL = (
    "# strip, for this stage only: wheels ship their extension modules unstripped.\n# hadolint ignore=DL3008\n"
    "RUN command -v strip >/dev/null || { apt-get update && apt-get install -y --no-install-recommends binutils \\\n"
    "    && rm -rf /var/lib/apt/lists/*; }\n"
)
#: Python's extension modules alone: strip left torch/lib's libraries unloadable ("ELF load command address/offset
#: not page-aligned"), and, with Debian bullseye's binutils, a module auditwheel pointed at its vendored libraries
#: (an rpath of $ORIGIN/../Pillow.libs, Pillow 8.3.1's _imaging): those keep their symbols.
STRIPPED = (
    "find /opt/venv/lib \\( -name '*.cpython-*.so' -o -name '*.abi3.so' \\) -not -path '*.libs/*' -exec sh -c \\\n"
    '    \'for f; do readelf -d "$f" | grep -q "PATH.*ORIGIN" || strip --strip-unneeded "$f"; done\' _ {} + \\\n'
    '    || echo "stackops: some extension modules in /opt/venv kept their symbols"'
)


#: The first pip that reads PIP_UPLOADED_PRIOR_TO: the app's and the tests' installs both need it.
DATED_PIP = "'pip>=26'"


def held_to_its_date(as_of: str) -> tuple[str, str]:
    """With no lock: the lines that keep the build's resolution to the last commit's date, and the pip that reads them."""
    if not as_of:
        return "", ""
    lines = (
        "# No lock: the dependencies resolve as they did at the last commit, not to releases the code never ran against\n"
        "# (pip 26's --uploaded-prior-to). Move the date, or commit a lock, to take newer ones.\n"
        f"ARG DEPENDENCIES_AS_OF={as_of}\nENV PIP_UPLOADED_PRIOR_TO=${{DEPENDENCIES_AS_OF}} UV_EXCLUDE_NEWER=${{DEPENDENCIES_AS_OF}}\n"
    )
    return lines, f"pip install -q --no-cache-dir {DATED_PIP} \\\n    && "


def runtime_flavour(repo: Repository) -> bool:
    """Whether the runtime can start from the base's runtime flavour (no apt): it installs no package (a shared
    library, a program, the forwarder)."""
    return not (native_steps(repo.compiled)[1] or repo.libraries or repo.programs or forwarder_install(repo)[0])


def manifests_stage(repo: Repository, copy_line: str) -> tuple[str, str]:
    """The files the install reads in a stage of their own when a pyproject.toml is among them, stackops' tables taken
    out; and the builder's line that copies them. init writes those tables after its first build, and a COPY --from is
    cached by what it copies: neither init nor an edit to the contract reinstalls the dependencies."""
    if "pyproject.toml" not in copy_line:
        return "", copy_line
    paths = ["pyproject.toml", *([f"{repo.workspace.member}/pyproject.toml"] if repo.workspace else [])]
    cleaned = " \\\n    && ".join(WITHOUT_OUR_TABLES.replace("{path}", path) for path in paths)
    return (
        "# What the install reads, without [tool.stackops]: writing or editing the contract reinstalls nothing.\n"
        f"FROM ${{PYTHON_BASE}} AS manifests\nWORKDIR /build\n{copy_line}\nRUN {cleaned}\n\n",
        "COPY --from=manifests /build ./",
    )


def builder_stage(repo: Repository) -> str:
    """The venv with the app's dependencies alone, compiled; no installer left in it."""
    exported = repo.installer == "uv" and (re.search(r"==\s*3\.\d+\.\d+", repo.requires_python) or repo.unreached_index)
    copied, install = INSTALLERS["uv-exported" if exported else repo.installer]
    install = builder_install(repo, past_unreached_index(repo, install))
    copy_line = manifest_copies(repo, copied.format(requirements=repo.requirements))
    if repo.workspace:  # the workspace's lock and root, and the member's project, where uv finds them
        copy_line += f"\nCOPY {repo.workspace.source('pyproject.toml')} ./{repo.workspace.member}/"
    manifests, copy_line = manifests_stage(repo, copy_line)
    compiler, _ = native_steps(repo.compiled)
    # gcc brings binutils, whose strip the venv's extension modules need; without a compiler it comes alone, unless
    # the base already has strip.
    compiler = (compiler or STRIP_TOOL) + git_step(repo.root, repo.requirements)
    dated, newer_pip = held_to_its_date(repo.resolved_as_of)
    return f"""{manifests}FROM ${{PYTHON_BASE}} AS builder
{compiler}RUN python3 -m venv /opt/venv
# uv keeps to the image's Python: it never downloads an interpreter of its own.
ENV VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH PIP_DISABLE_PIP_VERSION_CHECK=1 UV_LINK_MODE=copy \\
    UV_PYTHON_DOWNLOADS=never UV_PYTHON=/opt/venv/bin/python
{dated}WORKDIR /build
# Dependencies before code: an edit to the app does not reinstall them.
{copy_line}
{CA_SECRET}{newer_pip}{install.format(requirements=repo.requirements)}
{added_packages(repo)}# pip skips a line whose marker excludes this Python without a word: the app's framework must be there.
RUN {FRAMEWORK_INSTALLED}
# No installer in the runtime: pip and setuptools leave the venv (setuptools stays for a dependency that imports its
# pkg_resources), as do the dependencies' tests, Cython sources and stubs. Extension modules lose their debug symbols;
# other shared libraries keep theirs (a package's own, as torch's; a wheel's vendored *.libs/): strip can break them.
# Bytecode is compiled now (the runtime's root filesystem is read-only); a dependency's file this Python cannot compile
# (a Python 2 module, version-specific test data) stays as source.
RUN {NO_INSTALLER}; \\
    {BUILD_ONLY}; {STRIPPED}; {DEPENDENCIES_COMPILED}
"""


def runtime_base_stage(repo: Repository, data_dir: bool) -> str:
    """What the runtime and the test image share: shared libraries, the user, the environment."""
    _, libraries = native_steps(repo.compiled)
    loaded, ran, run = " ".join(repo.libraries), ", ".join(p for p, _ in repo.programs), repo.migrations.split()[-1:]
    steps = [(loaded, f"What the dependencies load at run time ({loaded}): their wheels carry none.")]
    steps += [(" ".join(dict.fromkeys(p for _, p in repo.programs)), f"What {''.join(run)} runs ({ran}): a slim image has none.")]
    steps += [forwarder_install(repo)]
    libraries += "".join(apt_install(packages, why) for packages, why in steps if packages)
    # A src layout's packages may import the repository's top-level ones too, and a src/ run as a package its own by name.
    both = repo.app.source_root or ("src" if src_packages_by_name(repo.root) else "")
    source_root = f"{CODE_DIR}/{both}:{CODE_DIR}" if both else CODE_DIR
    folders = " ".join(dict.fromkeys([DATA_DIR, *(folder_of(v, repo.data_variables) for v in repo.data_variables)]))
    data = f" \\\n    && mkdir -p {folders} && chown -R {UID}:{UID} {DATA_DIR}" if data_dir else ""
    # A prestart script written for an image with its code in /app (the official FastAPI images' layout) finds it there.
    script = repo.root / repo.migrations.split()[1] if repo.migrations.startswith("sh ") else None
    if script and script.is_file() and "/app/" in script.read_text():
        data += f" \\\n    && ln -s {CODE_DIR} /app"
    base = "PYTHON_RUNTIME_BASE" if runtime_flavour(repo) else "PYTHON_BASE"
    return f"""FROM ${{{base}}} AS runtime-base
{libraries}# A numeric non-root user, written directly: minimal bases have no useradd.
RUN echo 'app:x:{UID}:{UID}::/nonexistent:/usr/sbin/nologin' >> /etc/passwd \\
    && echo 'app:x:{UID}:' >> /etc/group{data}
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH={source_root} PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR {CODE_DIR}
"""


def test_stages(repo: Repository, made: str) -> str:
    """The tests' dependencies over the app's, then an image of the whole checkout (what a suite may read: a script at
    the root, fixtures, pytest's settings) that runs pytest; never shipped. `made`: the runtime's placeholders and links."""
    tests = repo.service_tests
    if not tests:
        return ""
    folder = tests.name.rpartition("/")[0]  # as the app's: a folder's file may include its neighbours
    copied = folder or tests.name
    copy = f"COPY {in_context(repo, copied)} ./{copied}\n" if tests.kind == "requirements" else ""
    run_in = (
        f"# Where the repository runs its suite: its pytest settings name paths from there.\nWORKDIR {CODE_DIR}/{tests.run_in}\n"
    )
    run_in = run_in if tests.run_in else ""
    install = past_unreached_index(repo, tests.install)
    if repo.resolved_as_of:  # ensurepip's pip predates --uploaded-prior-to: the tests' ranges keep the app's date too
        install = install.replace(ENSUREPIP, f"{ENSUREPIP} && /opt/venv/bin/python -m pip install -q --no-cache-dir {DATED_PIP}")
    install = past_legacy_metadata(repo, in_workspace(repo, with_extras(repo, install)))
    secret = CA_SECRET.replace("RUN ", "# hadolint ignore=DL3008\nRUN ", 1)  # its fallback installs a compiler
    return f"""
# The service's own tests (inv service-test, part of inv ci) run in an image of their own, never shipped.
FROM builder AS test-deps
{copy}{TEST_COMPILER}{secret}deps() {{ {install}; }} \\
    && {{ deps || {{ {COMPILER_FALLBACK} && deps; }}; }}

FROM runtime-base AS test
COPY --from=test-deps /opt/venv /opt/venv
# The build context, as .dockerignore leaves it: the checkout the tests would run in.
COPY {in_context(repo, ".")} {CODE_DIR}/
{made}# In this image only, the code belongs to the tests' user: a suite writes beside it (coverage data, reports).
RUN chown -R {UID}:{UID} {CODE_DIR}
USER {UID}:{UID}
{run_in}CMD {json.dumps(["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests.arguments])}
"""


def dockerfile_text(repo: Repository, health_path: str, data_dir: bool) -> str:
    """The whole Dockerfile: a builder with the installer, a runtime with only the venv and the code (last: the default)."""
    made = made_in_image(repo)
    copies = "".join(f"COPY {in_context(repo, path)} {CODE_DIR}/{path}\n" for path in code_paths(repo)) + made
    return f"""{HEADER}# No "# syntax=" line: the engine's own BuildKit understands RUN --mount, and nothing is pulled for it.
# The base image is an argument: where no registry answers, stackops builds a local substitute.
ARG PYTHON_BASE={python_image(repo.python)}
# The runtime's: the same Python, and the same image unless a substitute stands in with its runtime flavour
# (no apt, pip or C headers: what only a builder needs).
ARG PYTHON_RUNTIME_BASE=${{PYTHON_BASE}}

{builder_stage(repo)}
{runtime_base_stage(repo, data_dir)}{test_stages(repo, made)}
FROM runtime-base
COPY --from=builder /opt/venv /opt/venv
# The code's bytecode too; a file that is no Python of this version (a template named .py) stays as it is.
{copies}RUN python -m compileall -qq {CODE_DIR} || echo "stackops: some files under {CODE_DIR} do not compile; kept as source"
USER {UID}:{UID}
EXPOSE {CONTAINER_PORT}
{healthcheck(health_path)}CMD {json.dumps(start_command(repo))}
"""
