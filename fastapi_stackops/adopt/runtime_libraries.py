"""The Debian packages of shared libraries a dependency loads at run time without having built against them: a
pure-Python driver (psycopg 3 without its binary build) or a ctypes binding (python-magic). Compiled extensions' own
libraries are the builder's to know (wheels.NATIVE_LIBRARIES)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi_stackops.adopt.locks import main_packages, read_lock
from fastapi_stackops.adopt.package_index import normalized
from fastapi_stackops.adopt.wheels import text_of

#: Bindings that load a system library with ctypes or cffi, or run a program, and what each needs (PACKAGE_OF).
LOADED_LIBRARIES = {
    "python-magic": ("libmagic.so.1",),
    "pyzbar": ("libzbar.so.0",),
    "cairocffi": ("libcairo.so.2",),
    "cairosvg": ("libcairo.so.2",),
    # OpenCV's GUI builds link libGL and GLib's threads ("libGL.so.1: cannot open shared object file"); -headless none.
    "opencv-python": ("libGL.so.1", "libgthread-2.0.so.0"),
    "opencv-contrib-python": ("libGL.so.1", "libgthread-2.0.so.0"),
    # Not a library but a program: GitPython runs git, and its import fails without one on the PATH.
    "gitpython": ("git",),
    # ffmpeg-python and pydub run the ffmpeg program (moviepy 2's imageio-ffmpeg brings its own).
    "ffmpeg-python": ("ffmpeg",),
    "pydub": ("ffmpeg",),
    # pytesseract runs the tesseract program, and pdf2image poppler's pdftoppm
    "pytesseract": ("tesseract",),
    "pdf2image": ("pdftoppm",),
}


def runtime_libraries(root: Path, dependencies: tuple[str, ...]) -> tuple[str, ...]:
    """The packages of the libraries the app's dependencies, and theirs where a lock says, load at run time, once each."""
    installed = [*map(normalized, dependencies), *sorted(locked_packages(root))]
    loaded = [PACKAGE_OF[needed] for name in installed for needed in LOADED_LIBRARIES.get(name, ())]
    return tuple(dict.fromkeys([*libpq(root, dependencies), *loaded]))


def locked_packages(root: Path) -> set[str]:
    """Every package a uv or poetry lock installs in the image (a dependency's dependency: GitPython under a
    library); none without a lock, or when the lock cannot say."""
    for installer in ("uv", "poetry"):
        if (root / f"{installer}.lock").is_file():
            return main_packages(read_lock(root, installer), installer) or set()
    return set()


def libpq(root: Path, dependencies: tuple[str, ...]) -> tuple[str, ...]:
    """psycopg 3 with neither its binary nor its C build loads libpq, read from every file that could name them (a
    lock, pyproject.toml, requirements files); psycopg under a dependency of the app's (langgraph-checkpoint-postgres)
    too, as the lock says."""
    if "psycopg" not in {*dependencies, *locked_packages(root)}:
        return ()
    for installer in ("uv", "poetry"):  # a lock says what is installed; its extras' lists name what is not
        if (root / f"{installer}.lock").is_file():
            installed = main_packages(read_lock(root, installer), installer) or set()
            return () if installed & {"psycopg-binary", "psycopg-c"} else ("libpq5",)
    named = [root / "pyproject.toml", *root.glob("requirements*.txt")]
    text = "".join(text_of(path) for path in named if path.is_file())
    built = re.search(r"psycopg[-_](binary|c)\b|psycopg\[[^\]]*\b(binary|c)\b", text, re.I)
    return () if built else ("libpq5",)


#: Shared libraries wheels load and do not vendor, by the name the loader misses, and programs bindings run: the
#: Debian package holding each.
PACKAGE_OF = {
    "libgomp.so.1": "libgomp1",  # OpenMP: paddlepaddle, lightgbm, some torch builds
    "libGL.so.1": "libgl1",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libSM.so.6": "libsm6",
    "libXext.so.6": "libxext6",
    "libXrender.so.1": "libxrender1",
    "libsndfile.so.1": "libsndfile1",
    "libgfortran.so.5": "libgfortran5",
    "libmagic.so.1": "libmagic1",
    "libzbar.so.0": "libzbar0",
    "libpq.so.5": "libpq5",
    "libcairo.so.2": "libcairo2",
    "git": "git",
    "ffmpeg": "ffmpeg",
    "tesseract": "tesseract-ocr",
    "pdftoppm": "poppler-utils",
}
#: The loader's words for a library it cannot find as a module loads.
MISSING_LIBRARY = re.compile(r"([\w.+-]+\.so(?:\.\d+)*): cannot open shared object file")


def missing_library(words: str) -> tuple[str, str]:
    """(the library the loader missed, the Debian package holding it) when init knows the package; ("", "") else."""
    found = MISSING_LIBRARY.search(words)
    return (found[1], PACKAGE_OF[found[1]]) if found and found[1] in PACKAGE_OF else ("", "")
