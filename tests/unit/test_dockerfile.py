"""The image a Dockerfile's built stage starts FROM, through ARGs and stages (the forbidden-files check's base)."""

import pytest

from fastapi_stackops import StackError
from fastapi_stackops.dockerfile import base_reference, expand, instructions

MULTI_STAGE = """\
# comment
ARG PYTHON_BASE=python:3.11-slim-bookworm
ARG UNUSED
FROM ${PYTHON_BASE} AS builder
RUN echo build
FROM builder AS test
RUN echo test
FROM --platform=$BUILDPLATFORM ${PYTHON_BASE} AS runtime
RUN touch /opt/keys/id_rsa \\
    # a comment inside a continuation
    && echo done
FROM runtime
RUN echo last
"""


@pytest.mark.parametrize(
    ("text", "args", "target", "expected"),
    [
        (MULTI_STAGE, {}, "", "python:3.11-slim-bookworm"),
        (MULTI_STAGE, {"PYTHON_BASE": "local/python:3.13-slim-trixie"}, "", "local/python:3.13-slim-trixie"),
        (MULTI_STAGE, {}, "test", "python:3.11-slim-bookworm"),  # test -> builder -> the ARG
        (MULTI_STAGE, {}, "BUILDER", "python:3.11-slim-bookworm"),  # stage names are case-insensitive
        ("FROM scratch\nCOPY x /x\n", {}, "", "scratch"),
        ("FROM debian:12\nFROM alpine:3 AS final\n", {}, "", "alpine:3"),
        ("ARG V=3.12\nFROM python:${V}-slim\n", {"V": "3.13"}, "", "python:3.13-slim"),
        ("ARG V\nFROM python:${V:-3.11}\n", {}, "", "python:3.11"),
        ("FROM python:3.11\n", {"NOT_DECLARED": "x"}, "", "python:3.11"),
        # A default that names an earlier ARG (the runtime stage's base follows the builder's).
        ("ARG B=python:3.11\nARG R=${B}\nFROM ${R}\n", {"B": "local/python:3.11"}, "", "local/python:3.11"),
        ("ARG B=python:3.11\nARG R=${B}\nFROM ${R}\n", {"B": "x:1", "R": "y:2"}, "", "y:2"),
        # A stage may only name an earlier one: a later name is an image reference.
        ("FROM later\nFROM debian:12 AS later\n", {}, "", "debian:12"),
        ("FROM later AS first\nFROM first\n", {}, "", "later"),
    ],
)
def test_base_reference(text, args, target, expected):
    assert base_reference(text, args, target) == expected


@pytest.mark.parametrize(
    ("text", "args", "target", "message"),
    [
        ("RUN echo\n", {}, "", "no FROM instruction"),
        ("FROM a AS b\n", {}, "c", "has no stage named 'c'"),
        ("ARG BASE\nFROM ${BASE}\n", {}, "", "expands to nothing"),
    ],
)
def test_base_reference_refusals(text, args, target, message):
    with pytest.raises(StackError, match=message):
        base_reference(text, args, target)


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("${A}", {"A": "x"}, "x"),
        ("$A/b", {"A": "x"}, "x/b"),
        ("${A:-d}", {"A": ""}, "d"),
        ("${A-d}", {"A": ""}, ""),
        ("${A-d}", {}, "d"),
        ("${A:+set}", {"A": "x"}, "set"),
        ("${A:+set}", {}, ""),
        ("${MISSING}", {}, ""),
    ],
)
def test_expand(text, values, expected):
    assert expand(text, values) == expected


def test_continuations_join_and_keep_the_first_line_number():
    found = instructions(MULTI_STAGE)
    run = next(item for item in found if "id_rsa" in item[2])
    assert run[0] == 9 and "&& echo done" in run[2]
