"""fastapi_stackops/adopt/persistence_scenario.py: the write and the read back init guesses from the OpenAPI document."""

from __future__ import annotations

import pytest

from fastapi_stackops.adopt.persistence_scenario import scenario

OPENAPI = {
    "paths": {
        "/things": {
            "post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/New"}}}},
                "responses": {"201": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}},
            }
        },
        "/things/{thing_id}": {"get": {}, "delete": {}},
    },
    "components": {
        "schemas": {
            "New": {
                "type": "object",
                "required": ["name", "count"],
                "properties": {"name": {"type": "string"}, "count": {"type": "integer"}},
            },
            "Thing": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
        }
    },
}


def test_a_persistence_scenario_comes_from_a_create_and_read_pair():
    found, reason = scenario(OPENAPI)
    assert reason == ""
    assert found["write"] == {"method": "POST", "path": "/things", "json": {"name": "p{marker}", "count": 1}, "status": 201}
    assert found["read"] == {"path": "/things/{id}", "expect-json": {"name": "p{marker}"}} and found["delete"] == "/things/{id}"
    assert found["guessed"] is True  # a write the app refuses (a login, a tenant) skips the check instead of failing ci


USER_IN = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
}
USER_OUT = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "username": {"type": "string"}, "nickname": {"type": "string"}},
}


@pytest.mark.parametrize(
    ("answer", "created", "checked"),
    [
        # idkhgxyy/fastapi_starter: a user's password is written, never read back; only what the read gives is checked
        (USER_OUT, ["username", "password"], {"username": "p{marker}"}),
        (None, ["username", "password"], {"username": "p{marker}"}),  # a read with no schema: a password all the same
        (USER_OUT, ["nickname", "password"], {"nickname": "p{marker}"}),
        (USER_OUT, ["password"], None),  # nothing the read gives back carries the marker: no scenario
    ],
)
def test_a_scenario_checks_only_what_the_read_gives_back(answer, created, checked):
    new = {**USER_IN, "required": created, "properties": {**USER_IN["properties"], "nickname": {"type": "string"}}}
    read = {"responses": {"200": {"content": {"application/json": {"schema": answer}}}}} if answer else {}
    openapi = {
        "paths": {
            "/users": {
                "post": {**OPENAPI["paths"]["/things"]["post"], "requestBody": {"content": {"application/json": {"schema": new}}}}
            },
            "/users/{user_id}": {"get": read},
        },
        "components": OPENAPI["components"],
    }
    found, _ = scenario(openapi)
    assert (found["read"]["expect-json"] if found else None) == checked


def test_no_scenario_without_an_id_in_the_answer():
    openapi = {**OPENAPI, "components": {"schemas": {**OPENAPI["components"]["schemas"], "Thing": {"properties": {"name": {}}}}}}
    found, reason = scenario(openapi)
    assert found is None and "id in its answer" in reason


def test_no_scenario_from_a_create_that_documents_neither_200_nor_201():
    # acidjunk/fastapi-postgres-boilerplate: a POST documenting only 204 (or a default answer) crashed init with a
    # KeyError on '200', after its whole build.
    post = {**OPENAPI["paths"]["/things"]["post"], "responses": {"204": {"description": "No Content"}}}
    found, reason = scenario({**OPENAPI, "paths": {**OPENAPI["paths"], "/things": {"post": post}}})
    assert found is None and "id in its answer" in reason


@pytest.mark.parametrize(
    ("parameters", "scenario_found"),
    [
        ([{"name": "thing_id", "in": "path", "required": True}], True),
        ([{"name": "verbose", "in": "query", "required": False}], True),
        # chiflad0/fastapi-product-service: `/category/{id}` whose function takes `category_id`, a required query
        # parameter; the read answered 422, and ci's persistence check said the records were lost.
        ([{"name": "category_id", "in": "query", "required": True}], False),
        # MalikDeveloper2077/fastapi-music-library: `/users/{id}` declared to answer a list of users, and answering
        # one; every read answered 500, and ci's persistence check failed on the app's own declaration.
        ("list", False),
    ],
)
def test_a_scenario_reads_back_only_through_an_item_route_that_needs_nothing_but_its_id(parameters, scenario_found):
    listed = {"responses": {"200": {"content": {"application/json": {"schema": {"type": "array", "items": {}}}}}}}
    get = listed if parameters == "list" else {"parameters": parameters}
    things = {**OPENAPI["paths"]["/things/{thing_id}"], "get": get}
    found, _ = scenario({**OPENAPI, "paths": {**OPENAPI["paths"], "/things/{thing_id}": things}})
    assert (found is not None) is scenario_found
