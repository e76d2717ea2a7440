"""The contract is documentation too: lint it like one.

openapi-spec-validator says the document is valid OpenAPI 3.1; the project rules say a reader
finds what they need: every operation has an operationId, a summary, a description and
examples; every property and parameter a description; every documented status an example.
A property that is only a ``$ref`` counts as described when the schema it names is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from openapi_spec_validator import validate as validate_openapi

from contracts.spec import load_spec
from contracts.versions import features

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def _document() -> dict[str, Any]:
    return load_spec().document


def _deref(node: Any) -> Any:
    document = _document()
    for _ in range(16):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str):
            return node
        node = document
        for token in ref.lstrip("#/").split("/"):
            node = node[token]
    return node


def _operations() -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in _document()["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def _properties() -> Iterator[tuple[str, Any]]:
    """``(where, property schema)`` for every property of every schema, walked iteratively."""
    stack: list[tuple[str, Any]] = [("#/components", _document().get("components", {}))]
    stack += [(f"#/paths/{path}", item) for path, item in _document()["paths"].items()]
    while stack:
        where, node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("properties"), dict) and "type" in node:
                yield from ((f"{where}/properties/{name}", prop) for name, prop in node["properties"].items())
            stack.extend((f"{where}/{key}", value) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend((f"{where}/{index}", value) for index, value in enumerate(node))


def test_the_spec_is_valid_openapi() -> None:
    validate_openapi(_document())


@pytest.mark.parametrize("field", ["operationId", "summary", "description"])
def test_every_operation_says_what_it_is(field: str) -> None:
    missing = [name for name, operation in _operations() if not str(operation.get(field, "")).strip()]
    assert missing == [], f"operations without {field}"


def test_every_operation_has_examples() -> None:
    lacking = []
    for name, operation in _operations():
        media = [
            _deref(r).get("content", {}).get("application/json", {}) for r in operation["responses"].values()
        ]
        if not any("example" in m or m.get("examples") for m in media):
            lacking.append(name)
    assert lacking == []


def test_every_documented_status_has_an_example() -> None:
    lacking = []
    for name, operation in _operations():
        for status, response in operation["responses"].items():
            media = _deref(response).get("content", {}).get("application/json")
            if media is not None and "example" not in media and not media.get("examples"):
                lacking.append(f"{name} {status}")
    assert lacking == []


def test_every_property_has_a_description() -> None:
    assert len(list(_properties())) > 50, "the walk must reach the schemas' properties"
    lacking = [
        where
        for where, prop in _properties()
        if not (
            isinstance(prop, dict)
            and str(_deref(prop).get("description", prop.get("description", ""))).strip()
        )
    ]
    assert lacking == []


def test_every_parameter_has_a_description_and_an_example() -> None:
    lacking = []
    for name, operation in _operations():
        for parameter in map(_deref, operation.get("parameters", [])):
            if not parameter.get("description") or not ("example" in parameter or parameter.get("examples")):
                lacking.append(f"{name} {parameter.get('name')}")
    assert lacking == []


def test_every_schema_has_a_description() -> None:
    schemas = _document()["components"]["schemas"]
    assert [name for name, schema in schemas.items() if not schema.get("description")] == []


def test_every_since_mark_is_a_version() -> None:
    assert all(feature.since >= (3, 0, 0) for feature in features(_document()))
