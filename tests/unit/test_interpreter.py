"""fastapi_stackops/adopt/interpreter.py and wheels.py: which Python the image runs, and what its builder compiles."""

import re
import shutil
from pathlib import Path

import pytest
import requests

from fastapi_stackops.adopt.findings import NotAFastAPIRepository
from fastapi_stackops.adopt.image import dockerfile_text
from fastapi_stackops.adopt.interpreter import too_new_for_its_pins
from fastapi_stackops.adopt.locks import locked_files
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.wheels import compiled_here, fits
from tests.unit.shapes import APP, BARE, SHAPES, lines
from tests.utils import written
from tests.utils.fake_index import answering, sdist

SELF_ANNOTATED = "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    def check(self) -> Settings:\n        return self\n"


def with_config(root: Path, config: str, pyproject: str):
    """A service whose config.py is `config`, declared by `pyproject` (or a requirements file when ""), as init reads it."""
    files = {
        "main.py": APP,
        "config.py": config,
        **({"pyproject.toml": pyproject} if pyproject else {"requirements.txt": "fastapi\n"}),
    }
    return read_repository(written(root, files))


NESTED_F_STRING = 'ROW = {"id": 1}\nLABEL = f"row {ROW["id"]}"\n'


@pytest.mark.parametrize(
    ("wheel", "expected"),
    [
        ("python_multipart-0.0.5-py36.py37.py38-none-any.whl", True),  # pure, tagged for older Pythons
        ("oldlib-1.0-py312-none-any.whl", False),  # pure, but for a newer Python only
        ("greenlet-1.1.2-cp39-cp39-manylinux2014_x86_64.whl", False),
    ],
)
def test_pure_wheels_tagged_for_older_pythons_fit(wheel, expected):
    assert fits(wheel, "3.11", "x86_64") is expected


def test_a_binary_variant_of_a_native_package_compiles_with_its_libraries():
    assert compiled_here("psycopg2-binary", ["psycopg2_binary-2.9.3-cp310-cp310-win_amd64.whl"], "3.11", "x86_64")
    repo = read_repository(BARE / "poetry-legacy-lock", python="3.11")  # --python 3.11: no wheel fits, so it compiles
    assert "psycopg2-binary==2.9.3" in repo.compiled
    assert "libpq-dev" in dockerfile_text(repo, "/health", False)


def test_an_old_poetry_lock_lists_its_files_apart_and_its_dev_pins_stay_out():
    files = locked_files(BARE / "poetry-legacy-lock", "poetry")
    assert files[("psycopg2-binary", "2.9.3")], "lock 1.1 keeps file names under [metadata.files]"
    assert not any(name in ("pytest", "uvloop") for name, _ in files), "dev pins are not exported, so not judged"


def test_pins_made_before_311_move_the_image_to_a_python_their_wheels_fit():
    repo = read_repository(BARE / "poetry-legacy-lock")
    assert repo.python == "3.9" and not repo.compiled
    assert "3.9, not 3.11: the pinned psycopg2-binary==2.9.3 has a wheel for it" in lines(repo)[0]


def test_a_rust_pin_made_for_an_older_python_moves_an_image_whose_python_nothing_names_to_one_it_fits():
    repo = read_repository(SHAPES / "unnamed-python-pin-39")
    assert repo.python == "3.9" and not repo.compiled
    assert "3.9, not 3.11: the pinned orjson==3.6.0 has a wheel for it" in lines(repo)[0]


def test_a_c_release_of_a_package_later_built_with_rust_is_compiled_not_refused(tmp_path):
    # derivative-programming/Farm-Py-SqlAlchemy-FastApi: pendulum 2.1.2 is C (Rust from 3.0), with wheels up to 3.9
    # and pins beside it that need 3.10: refused as Rust-built, then moved to 3.9, where those pins failed.
    shape = tmp_path / "svc"
    shutil.copytree(SHAPES / "unnamed-python-pin-39", shape)
    for name in ("pyproject.toml", "uv.lock"):
        text = (shape / name).read_text().replace("orjson-3.6.0", "pendulum-2.1.2").replace("orjson", "pendulum")
        (shape / name).write_text(text.replace("3.6.0", "2.1.2"))
    repo = read_repository(shape)
    assert repo.python == "3.11" and repo.compiled == ("pendulum==2.1.2",)


@pytest.mark.parametrize(
    ("shape", "said"),
    [
        ("rust-pin-312", "pydantic-core==2.16.3 pinned with no wheel for CPython 3.13, 3.14, and built with Rust"),
        # lilinzezzzzzz/fastapi-backend: a release with cp312 wheels and no sdist failed the build deep in uv.
        ("wheels-only-pin-312", "vectorlib==0.2.0 pinned with no wheel for CPython 3.13, 3.14, and published as wheels only"),
    ],
)
def test_a_pin_no_builder_here_compiles_with_no_wheel_here_is_refused_in_one_line_naming_the_way_out(shape, said):
    with pytest.raises(NotAFastAPIRepository) as refused:
        read_repository(SHAPES / shape)
    message = str(refused.value)
    assert "\n" not in message and said in message
    assert "give init --python 3.12 where that image can be pulled" in message and "uv lock --upgrade" in message


@pytest.mark.parametrize(
    ("backend", "refused"),
    [('requires = ["maturin>=1,<2"]', True), ('requires = ["setuptools-rust"]', True), ('requires = ["setuptools"]', False)],
)
def test_a_pin_no_name_list_knows_is_refused_as_rust_built_when_its_sdist_builds_with_rust(
    monkeypatch, tmp_path, backend, refused
):
    """ChouYuJung/fastapi-chat: uuid-utils 0.9.0 has no wheel for CPython 3.13 and builds with maturin; no list named
    it, so init compiled it, and the build failed 63 s in, fetching Rust. Its sdist says what it builds with."""
    shape = tmp_path / "svc"
    shutil.copytree(SHAPES / "rust-pin-312", shape)
    for name in ("pyproject.toml", "uv.lock"):
        text = (shape / name).read_text().replace("pydantic_core-2.16.3", "uuid_utils-0.9.0")
        (shape / name).write_text(text.replace("pydantic-core", "uuid-utils").replace("2.16.3", "0.9.0"))
    sdist_name = "uuid_utils-0.9.0.tar.gz"
    archive = sdist("uuid_utils-0.9.0", {"pyproject.toml": f"[build-system]\n{backend}\n"})
    monkeypatch.setattr(requests.Session, "get", answering([{"filename": sdist_name, "url": sdist_name}], {sdist_name: archive}))
    monkeypatch.setenv("PIP_INDEX_URL", f"https://index.invalid/{backend}")
    if refused:
        with pytest.raises(
            NotAFastAPIRepository, match="uuid-utils==0.9.0 pinned with no wheel for CPython 3.13, 3.14, and built with Rust"
        ):
            read_repository(shape)
    else:
        assert read_repository(shape).compiled == ("uuid-utils==0.9.0",)


@pytest.mark.parametrize(
    ("failed", "refused"),
    [
        ("vectorlib", True),  # wheels for 3.12, none for 3.13, and its source did not compile
        ("otherlib", False),  # not a pin the builder compiles: the build's words stand
        # congdh/fastapi-async-realworld: asyncpg 0.25's sdist, which today's setuptools refuses before pip names it
        ("", True),
    ],
)
def test_a_pin_that_fails_to_compile_for_a_python_newer_than_its_wheels_is_refused_naming_the_way_out(tmp_path, failed, refused):
    # kzinmr/fastapi-celery: httptools 0.6.1, wheels up to 3.12, did not compile for 3.13 (the only Python its
    # `>=3.12` allows here); init ended on the compiler's words and no way out.
    shape = tmp_path / "svc"
    shutil.copytree(SHAPES / "wheels-only-pin-312", shape)
    lock = (shape / "uv.lock").read_text()
    (shape / "uv.lock").write_text(
        lock.replace(
            "wheels = [\n    { url", 'sdist = { url = "https://files.example/vectorlib-0.2.0.tar.gz" }\nwheels = [\n    { url'
        )
    )
    repo = read_repository(shape)
    assert repo.python == "3.13" and repo.compiled == ("vectorlib==0.2.0",)
    error = f"the build failed at [web builder 6/8]: the dependency {failed} failed to build from source (its build's words): x.c:1: error"
    if not failed:
        error = "the build failed at [web builder 6/8]: error: subprocess-exited-with-error / configuration error: `project` ..."
    said = too_new_for_its_pins(error, repo.root, repo.installer, repo.requirements, repo.python, repo.compiled)
    assert bool(said) == refused and "\n" not in said
    if refused:
        assert "the pinned vectorlib has wheels for Python 3.12 and none for 3.13" in said and "--python 3.12" in said
        assert said.endswith("(uv lock --upgrade)")


@pytest.mark.parametrize(
    ("config", "pyproject", "python"),
    [
        (SELF_ANNOTATED, "", "3.14"),  # a NameError at import before 3.14
        (SELF_ANNOTATED.replace("-> Settings", "-> 'Settings'"), "", "3.11"),  # quoted: any Python
        ("from __future__ import annotations\n" + SELF_ANNOTATED, "", "3.11"),
        ("class Node:\n    parent: Node | None = None\n", "", "3.14"),  # a field typed with its own class
        (SELF_ANNOTATED, '[project]\nname = "svc"\nrequires-python = ">=3.11"\ndependencies = ["fastapi"]\n', "3.14"),
        (SELF_ANNOTATED, '[project]\nname = "svc"\nrequires-python = ">=3.11,<3.14"\ndependencies = ["fastapi"]\n', "3.11"),
    ],
)
def test_code_that_annotates_a_class_with_itself_gets_the_python_that_evaluates_annotations_lazily(
    tmp_path, config, pyproject, python
):
    assert with_config(tmp_path, config, pyproject).python == python


@pytest.mark.parametrize(
    ("config", "pyproject", "python"),
    [
        (NESTED_F_STRING, "", "3.13"),  # PEP 701: refused before 3.12, and nothing names a version
        ("def first[T](items: list[T]) -> T:\n    return items[0]\n", "", "3.13"),  # type parameters
        ("type Ids = list[int]\n", "", "3.13"),
        # MontillaTomas/reddit-like-fastapi-api: a replacement field that goes on over a line; the image's 3.11 refused
        # it ("unterminated string literal")
        ('U = f"postgresql://{USER}:{PASSWORD}@{\n    HOST}/db"\n', "", "3.13"),
        ('U = f"""postgresql://{USER}@{\n    HOST}/db"""\n', "", "3.11"),  # a triple-quoted one: any Python
        ("LABEL = f\"{', '.join(['a', 'b'])}\"\n", "", "3.11"),  # the other quote: any Python
        ('LABEL = "{x["id"]}"\n', "", "3.11"),  # no f: not a replacement field (and not valid here either)
        (NESTED_F_STRING, '[project]\nname = "svc"\nrequires-python = ">=3.10"\ndependencies = ["fastapi"]\n', "3.13"),
        (NESTED_F_STRING, '[project]\nname = "svc"\nrequires-python = ">=3.11,<3.12"\ndependencies = ["fastapi"]\n', "3.11"),
    ],
)
def test_code_in_syntax_from_312_on_gets_the_first_python_that_reads_it_when_the_project_allows(
    tmp_path, config, pyproject, python
):
    repo = with_config(tmp_path, config, pyproject)
    assert repo.python == python
    if python == "3.13":
        assert re.match(r"config.py:\d: syntax from Python 3.12 on", repo.findings[0].source), repo.findings[0]


PROJECT = '[project]\nname = "svc"\nrequires-python = "{}"\ndependencies = ["fastapi"]\n'
SESSION = "from typing import {}\n\n\nasync def session() -> {}:\n    yield 1\n"


@pytest.mark.parametrize(
    ("config", "pyproject", "python"),
    [
        # blocksdevpro/fastapi-backend: `AsyncGenerator[AsyncSession]`, nothing naming a version; init chose 3.11, and
        # the import failed 11 s into a build on "Too few arguments for typing.AsyncGenerator".
        (SESSION.format("AsyncGenerator", "AsyncGenerator[int]"), "", "3.13"),
        (SESSION.format("AsyncGenerator as Stream", "Stream[int]"), "", "3.13"),
        (SESSION.format("AsyncGenerator", "AsyncGenerator[int, None]"), "", "3.11"),  # both given: any Python
        ("from collections.abc import AsyncGenerator\n" + SESSION.format("Any", "AsyncGenerator[int]"), "", "3.11"),
        ("from __future__ import annotations\n" + SESSION.format("AsyncGenerator", "AsyncGenerator[int]"), "", "3.11"),
        (SESSION.format("AsyncGenerator", "AsyncGenerator[int]"), PROJECT.format(">=3.11,<3.13"), "3.11"),
    ],
)
def test_a_generator_typed_with_one_argument_gets_the_python_that_defaults_the_rest(tmp_path, config, pyproject, python):
    assert with_config(tmp_path, config, pyproject).python == python


@pytest.mark.parametrize(
    ("python", "chosen", "refused"),
    [
        # kirilldarealcaucasian/FastAPI_shop_backend: aioredis 2 on 3.11, "duplicate base class TimeoutError" after 62 s
        (">=3.10", "", "aioredis does not import on Python 3.11 or newer"),
        (">=3.8", "3.9", ""),  # an older Python it allows has a base image: the image runs that
        (">=3.9,<3.13", "3.9", ""),
        # expmax85/FastAPI-Restaurant_menu, dellream/FastAPI-restaurant_menu: moved to 3.9 for aioredis, the code's
        # `str | None` failed at import ("unsupported operand type(s) for |") after a build
        (
            ">=3.8",
            "",
            'aioredis does not import on Python 3.11 or newer (its import fails with "duplicate base class TimeoutError"), and no older Python the project allows (its code needs 3.10 on, for `X | Y` annotations or match: main.py:',
        ),
        # Jkenhjt/FastAPI-URL-shorter: moved to 3.9 for aioredis, its match statement was "invalid syntax" after a build
        (">=3.8", "", "match: main.py:"),
        # Madi-S/fastapi-celery-template: aioredis listed, imported by no code of its own, beside Pillow 12 (3.10 on):
        # moved to 3.9 for it, pip found no Pillow.
        (">=3.9", "3.11", "unimported"),
    ],
)
def test_a_dependency_that_does_not_import_on_the_chosen_python_moves_it_or_is_refused(tmp_path, python, chosen, refused):
    project = f'[project]\nname = "shop"\nrequires-python = "{python}"\ndependencies = ["fastapi", "aioredis"]\n'
    code = "" if refused == "unimported" else "import aioredis\n"
    code += "\n\ndef find(name: str | None = None):\n    return name\n" if "X | Y" in refused else ""
    code += (
        "\n\ndef unit(time: str) -> int:\n    match time[-1]:\n        case 'd':\n            return 86400\n"
        if refused == "match: main.py:"
        else ""
    )
    written(tmp_path, {"pyproject.toml": project, "main.py": code + APP})
    if chosen:
        repo = read_repository(tmp_path)
        assert repo.python == chosen and ("aioredis does not import on 3.11" in " ".join(lines(repo))) == (not refused)
        return
    with pytest.raises(NotAFastAPIRepository) as error:
        read_repository(tmp_path)
    assert refused in str(error.value) and "--python 3.10 where that image can be pulled" in str(error.value)


def test_requirements_marked_for_a_newer_python_build_on_one_it_allows(tmp_path):
    """MordXD/fastapi-order-service: its pins all marked `; python_version >= "3.12"`; built on 3.11, pip installed
    nothing, and the build failed on the framework's absence."""
    marked = 'fastapi==0.117.1 ; python_version >= "3.12"\nuvicorn==0.37 ; python_version >= "3.12"\n'
    repo = read_repository(written(tmp_path, {"requirements.txt": marked, "main.py": APP}))
    assert repo.python == "3.13" and repo.findings[0].source == "requirements.txt's fastapi pin, marked for Python (>=3.12)"


def test_a_suite_in_syntax_from_312_on_gets_the_first_python_that_reads_it(tmp_path):
    """Akash-ML/fastapi-inventory-backend's tests use PEP 701's f-strings (`f"/products/{data["id"]}"`): the test image's
    3.11 refused the file ("f-string: unmatched '['"), and inv ci failed on its collection."""
    files = {"requirements.txt": "fastapi\n", "main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n"}
    repo = read_repository(written(tmp_path, files | {"tests/test_items.py": NESTED_F_STRING}))
    assert repo.python == "3.13" and repo.findings[0].source.startswith("tests/test_items.py:")
