"""Judging image contents and runtime hardening: pure rules, tables of input and expected output."""

import pytest

from fastapi_stackops.checks.containers import forbidden
from fastapi_stackops.hardening import hardening_problems

PATTERNS = (".git", "*.env.docker", "tests", "srv/secret/*")


@pytest.mark.parametrize(
    ("path", "hit"),
    [
        ("srv/.git/HEAD", True),
        ("srv/.git", True),
        ("opt/env/prod.env.docker", True),
        ("srv/tests/test_x.py", True),
        ("srv/secret/key", True),
        ("srv/app/secret/key", False),  # a pattern with / matches the whole path only
        ("srv/app/main.py", False),
        ("srv/app/testsuite.py", False),  # a name, not a substring
        ("etc/.gitconfig", False),
        # A distribution's own files (gevent ships test keys) are not the project's, unless a whole path names them.
        ("opt/venv/lib/python3.11/site-packages/gevent/tests/server.key", False),
        ("usr/lib/python3/dist-packages/pkg/tests/x.py", False),
        ("opt/venv/lib/python3.11/site-packages/srv/secret/key", False),
    ],
)
def test_forbidden_patterns(path, hit):
    assert bool(forbidden([path], PATTERNS)) is hit


HARDENED = {
    "ReadonlyRootfs": True,
    "CapDrop": ["ALL"],
    "SecurityOpt": ["no-new-privileges:true"],
    "Memory": 1,
    "PidsLimit": 1,
    "RestartPolicy": {"Name": "unless-stopped"},
}


@pytest.mark.parametrize(
    ("change", "relax", "expected"),
    [
        ({}, (), []),
        ({"ReadonlyRootfs": False}, (), ["read-only"]),
        ({"ReadonlyRootfs": False}, ("read-only",), []),
        ({"CapDrop": None, "Memory": 0}, (), ["cap-drop", "memory-limit"]),
        ({"RestartPolicy": {"Name": "no"}, "SecurityOpt": []}, (), ["no-new-privileges", "restart-policy"]),
    ],
)
def test_hardening_problems(change, relax, expected):
    assert hardening_problems({**HARDENED, **change}, relax) == expected
