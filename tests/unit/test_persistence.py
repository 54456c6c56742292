"""The persistence scenario's values: ids nested in real answers, fields reused in the read, typed JSON bodies."""

import pytest

from fastapi_stackops.checks.persistence import answer_fields, json_path
from fastapi_stackops.checks.probes import fill


@pytest.mark.parametrize(
    ("body", "path", "expected"),
    [
        ({"id": 7}, "id", 7),
        ({"user": {"id": 7, "name": "ab1"}}, "user.id", 7),
        ({"items": [{"id": "x"}]}, "items.0.id", "x"),
        ({"data": {"attributes": {"uuid": "u"}}}, "data.attributes.uuid", "u"),
    ],
)
def test_json_path(body, path, expected):
    assert json_path(body, path) == expected


@pytest.mark.parametrize(("body", "path"), [({"id": 7}, "user.id"), ({"user": None}, "user.id"), (None, "id"), ([1], "3")])
def test_json_path_names_what_is_missing(body, path):
    with pytest.raises(KeyError, match=path):
        json_path(body, path)


def test_answer_fields_are_every_dotted_path():
    fields = answer_fields({"user": {"id": 7, "name": "ab1"}, "token": "t"})
    assert fields == {"user": {"id": 7, "name": "ab1"}, "user.id": 7, "user.name": "ab1", "token": "t"}


@pytest.mark.parametrize(
    ("template", "values", "expected"),
    [
        ("/users/{user.id}", {"user.id": 7}, "/users/7"),
        ("/login?name={user.name}", {"user.name": "ab1"}, "/login?name=ab1"),
        (
            {"username": "{user.name}", "password": "p{marker}"},
            {"user.name": "ab1", "marker": "m1"},
            {"username": "ab1", "password": "pm1"},
        ),
        ({"owner_id": "{id}"}, {"id": 7}, {"owner_id": 7}),  # a number stays a number in a JSON body
        (["{marker}", 3], {"marker": "m"}, ["m", 3]),
        ("/things/{unknown}", {"id": 1}, "/things/{unknown}"),  # an unknown name stays, and the read fails visibly
    ],
)
def test_fill(template, values, expected):
    assert fill(template, values) == expected
