"""The persistence scenario init guesses from the app's OpenAPI document: a write (a POST with a JSON body that
carries a marker) and a read of the item it made, both without a login; ci checks the record survives a restart."""

from __future__ import annotations

import re


def schema_of(openapi: dict, schema: dict | None) -> dict:
    """A schema with its $ref followed into components."""
    while schema and "$ref" in schema:
        schema = openapi.get("components", {}).get("schemas", {}).get(schema["$ref"].rsplit("/", 1)[-1], {})
    return schema or {}


def sample(name: str, schema: dict) -> object | None:
    """A value the field takes that carries the record's {marker}; None when init cannot make one up."""
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "string":
        if schema.get("format") == "email":
            return "u{marker}@example.com"
        return "p{marker}" if schema.get("maxLength", 99) >= 16 else None
    if kind == "integer" and name == "id":  # an id the client chooses: one per record, or the second is a duplicate
        return "{number}"
    return {"integer": 1, "number": 1.5, "boolean": True}.get(kind)


def json_body(operation: dict, openapi: dict) -> dict | None:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = schema_of(openapi, content.get("schema"))
    properties = schema.get("properties") or {}
    body = {name: sample(name, schema_of(openapi, properties[name])) for name in schema.get("required", [])}
    return body if body and None not in body.values() and any("{marker}" in str(v) for v in body.values()) else None


def secured(operation: dict, openapi: dict) -> bool:
    """Whether an operation needs credentials (its own security, or the document's): a scenario cannot log in."""
    return bool(operation.get("security", openapi.get("security")))


#: A field a write takes and a read never gives back (a password is stored hashed, if at all).
WRITE_ONLY = re.compile(r"pass(word|wd)?|secret|token|pin|otp", re.I)


def given_back(get: dict, openapi: dict, name: str) -> bool:
    """Whether the item's GET gives the field back, as far as the document says: no password-like field, and one of
    its answer's properties when it lists them."""
    answer = get.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {}).get("schema")
    properties = schema_of(openapi, answer).get("properties")
    listed = properties is None or (name in properties and not properties[name].get("writeOnly"))
    return listed and not WRITE_ONLY.fullmatch(name.split("_")[-1])


def reads_one_by_its_id(operation: dict, openapi: dict) -> bool:
    """Whether a GET of an item needs nothing but the path's id (no required query parameter, header or cookie), and
    answers one record: not a list, which a read back cannot check fields of."""
    answer = operation.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {}).get("schema")
    listed = schema_of(openapi, answer).get("type") == "array"
    return not listed and not any(p.get("required") and p.get("in") != "path" for p in operation.get("parameters", []))


def scenario(openapi: dict) -> tuple[dict | None, str]:
    """A write (POST with a body carrying the marker) and a read (GET of the item) from the OpenAPI document."""
    paths = openapi.get("paths") or {}
    for path, operations in paths.items():
        post = operations.get("post")
        body = json_body(post, openapi) if post and not secured(post, openapi) else None
        items = [p for p in paths if re.fullmatch(re.escape(path.rstrip("/")) + r"/\{[^/}]+\}/?", p) and "get" in paths[p]]
        items = [p for p in items if not secured(paths[p]["get"], openapi) and reads_one_by_its_id(paths[p]["get"], openapi)]
        if not (body and items):
            continue
        status = next((int(code) for code in post.get("responses", {}) if code in ("201", "200")), 200)
        answer = post.get("responses", {}).get(str(status), {}).get("content", {}).get("application/json", {}).get("schema")
        if "id" not in (schema_of(openapi, answer).get("properties") or {}):
            continue
        item = re.sub(r"\{[^/}]+\}", "{id}", items[0])
        checked = {k: v for k, v in body.items() if "{marker}" in str(v) and given_back(paths[items[0]]["get"], openapi, k)}
        if not checked:
            continue
        found = {"write": {"method": "POST", "path": path, "json": body, "status": status}, "id-from": "id"}
        found["read"] = {"path": item, "expect-json": checked}
        if "delete" in paths[items[0]]:
            found["delete"] = item
        return found | {"guessed": True}, ""
    return None, "no POST with a JSON body and an id in its answer has a GET of the item beside it, both without a login"
