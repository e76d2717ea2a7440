"""The contract itself: a valid OpenAPI 3.1 document whose examples pass its own checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openapi_spec_validator import validate as validate_openapi

from contracts.spec import OPERATIONS, load_spec, standalone_schema
from contracts.spec_examples import response_examples
from contracts.validate import validate_response

SPEC = load_spec()
EXAMPLES = list(response_examples(SPEC))
DATA = Path(__file__).parent / "data"


def test_spec_is_valid_openapi_3_1() -> None:
    validate_openapi(SPEC.document)
    assert SPEC.document["openapi"].startswith("3.1")


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.label for e in EXAMPLES])
def test_every_example_conforms_strictly(example) -> None:
    violations = validate_response(
        example.value, operation=example.operation_id, http_status=example.status, strict=True
    )
    assert violations == []


def test_every_documented_status_has_an_example() -> None:
    documented = {
        (op.operation_id, int(status)) for op in SPEC.operations.values() for status in op.response_schemas
    }
    exemplified = {(e.operation_id, e.status) for e in EXAMPLES}
    assert documented - exemplified == set()


def test_documented_sample_is_in_the_spec_verbatim() -> None:
    sample = json.loads((DATA / "documented-sample.json").read_text())
    examples = SPEC.document["components"]["examples"]
    assert examples["DocumentedSampleOfflineObproxy"]["value"] == sample
    assert sample["data"]["name"] == "Offline obproxy"  # the defect the spec records


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS.values()))
def test_every_operation_is_documented(operation_id: str) -> None:
    ((path, method),) = [
        (p, m)
        for p, item in SPEC.document["paths"].items()
        for m, op in item.items()
        if op.get("operationId") == operation_id
    ]
    operation = SPEC.document["paths"][path][method]
    assert operation["summary"] and operation["description"]
    for parameter in operation.get("parameters", []):
        assert parameter.get("description"), parameter["name"]


def _object_schemas(node, where=""):
    stack = [(node, where)]
    while stack:
        item, at = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("properties"), dict):
                yield at, item
            stack.extend((value, f"{at}/{key}") for key, value in item.items())
        elif isinstance(item, list):
            stack.extend((value, f"{at}/{i}") for i, value in enumerate(item))


def test_every_property_has_a_description_or_a_described_reference() -> None:
    schemas = SPEC.document["components"]["schemas"]
    missing = []
    for at, schema in _object_schemas(schemas, "#/components/schemas"):
        for name, prop in schema["properties"].items():
            if "description" in prop:
                continue
            ref = prop.get("$ref", "").rsplit("/", 1)[-1]
            if "description" not in schemas.get(ref, {}):
                missing.append(f"{at}/properties/{name}")
    assert missing == []


def test_upgrade_operation_models_what_the_documents_say() -> None:
    operation = SPEC.document["paths"]["/api/v2/obproxy/clusters/{id}/obproxies/{obproxyIds}/upgrade"]["post"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert params["id"]["schema"] == {"type": "integer", "format": "int64", "minimum": 1}
    ids = params["obproxyIds"]
    assert (ids["style"], ids["explode"], ids["schema"]["minItems"]) == ("simple", False, 1)
    assert ids["schema"]["items"]["format"] == "int64"
    body = SPEC.document["components"]["schemas"]["UpgradeObproxyRequest"]
    assert body["required"] == ["shortRpmName"]
    assert "additionalProperties" not in body  # OCP ignores unknown properties
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404", "409", "415", "429", "500"}
    assert operation["responses"]["200"]["links"]["GetTaskInstance"]["operationId"] == "getTaskInstance"


def test_strict_schema_forbids_only_undocumented_properties() -> None:
    strict = standalone_schema(SPEC.document, "TaskInstance", strict=True)["$defs"]
    assert strict["TaskInstance"]["unevaluatedProperties"] is False
    assert "unevaluatedProperties" not in strict["TaskContextObject"]["properties"]["listMap"]
