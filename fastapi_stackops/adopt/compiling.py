"""What the builder installs to compile a dependency that has no wheel for the image's Python: the compiler, and Cython
held below 3 for releases that need it. The native libraries each package needs are wheels.NATIVE_LIBRARIES."""

from __future__ import annotations

from fastapi_stackops.adopt.package_index import normalized
from fastapi_stackops.adopt.wheels import release_key

#: C and C++ compilers, the C library's headers, and make: enough for an extension with no other library (editdistance
#: is C++; uvloop before 0.15 builds its libuv with configure and make).
COMPILER = "gcc g++ libc6-dev make"
#: A test pin with no wheel for this Python (init's trial builds the app's image alone) compiles on a second try.
TEST_COMPILER = "# A test dependency that compiles gets a compiler on a second try.\n"
COMPILER_FALLBACK = f"apt-get update && apt-get install -y --no-install-recommends {COMPILER} && rm -rf /var/lib/apt/lists/*"


#: Releases that build only with Cython before 3 (PyYAML before 6.0.1: "AttributeError: cython_sources"), and the
#: first that builds with Cython 3.
CYTHON_3_SINCE = {"pyyaml": "6.0.1"}
BUILD_CONSTRAINTS = "/opt/build-constraints.txt"


def build_constraints(compiled: tuple[str, ...]) -> str:
    """The builder's step that holds Cython below 3 for compiled pins that need it ("" for none): pip's isolated build
    environments read PIP_BUILD_CONSTRAINT from pip 25.3 on (PIP_CONSTRAINT alone no longer reaches them: measured
    with pip 26.3), PIP_CONSTRAINT before; uv's read UV_BUILD_CONSTRAINT."""
    old = [
        pin
        for pin in compiled
        if (since := CYTHON_3_SINCE.get(normalized(pin.partition("==")[0])))
        and pin.partition("==")[2]
        and release_key(pin.partition("==")[2]) < release_key(since)
    ]
    if not old:
        return ""
    return (
        f"# {', '.join(old)} compiles only with Cython before 3, which its build is held to.\n"
        f"RUN echo 'cython<3' > {BUILD_CONSTRAINTS}\n"
        f"ENV PIP_BUILD_CONSTRAINT={BUILD_CONSTRAINTS} PIP_CONSTRAINT={BUILD_CONSTRAINTS} UV_BUILD_CONSTRAINT={BUILD_CONSTRAINTS}\n"
    )
