"""The contract itself: a valid OpenAPI 3.1 document whose examples pass its own checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from openapi_spec_validator import validate as validate_openapi

from contracts.rules.schema import check_schema
from contracts.spec import OPERATIONS, Operation, Spec, follow_refs, load_spec, standalone_schema
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
    assert strict["TaskInstance"]["additionalProperties"] is False
    assert strict["SubtaskInstance"]["additionalProperties"] is False
    list_map = strict["TaskContextObject"]["properties"]["listMap"]
    assert list_map["additionalProperties"] != False  # noqa: E712 - a map of lists stays open
    assert "unevaluatedProperties" not in list_map


def test_strict_schema_uses_unevaluated_properties_where_other_schemas_apply_in_place() -> None:
    document = {
        "components": {
            "schemas": {
                "Base": {"type": "object", "properties": {"a": {"type": "integer"}}},
                "Derived": {"allOf": [{"$ref": "#/components/schemas/Base"}], "properties": {"b": {}}},
            }
        }
    }
    strict = standalone_schema(document, "Derived", strict=True)["$defs"]
    assert strict["Derived"]["unevaluatedProperties"] is False
    assert "additionalProperties" not in strict["Derived"]


def _unevaluated_everywhere(schema_name: str) -> Any:
    """The strict schema as first built: ``unevaluatedProperties: false`` on every object schema."""
    schema = standalone_schema(SPEC.document, schema_name, strict=False)
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("properties"), dict) and "additionalProperties" not in node:
                node["unevaluatedProperties"] = False
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)


def _refused(validator: Any, body: Any) -> list[tuple[str, ...]]:
    found = []
    for error in validator.iter_errors(body):
        unexpected = error.kind.as_dict().get("unexpected", [])
        found.extend(tuple(map(str, [*error.instance_path, name])) for name in unexpected)
    return sorted(found)


@pytest.mark.parametrize("case", sorted((DATA / "invalid").glob("*.json")), ids=lambda c: c.stem)
def test_strict_schema_refuses_what_unevaluated_properties_everywhere_refuses(case: Path) -> None:
    body = json.loads(case.read_text())
    for status, schema_name in SPEC.operation("upgrade").response_schemas.items():
        if schema_name is None or not status.isdigit():
            continue
        ours, reference = SPEC.validator(schema_name, strict=True), _unevaluated_everywhere(schema_name)
        assert ours.is_valid(body) == reference.is_valid(body), (status, schema_name)
        assert _refused(ours, body) == _refused(reference, body), (status, schema_name)


def test_a_property_the_spec_itself_forbids_is_one_contract_error_not_also_undocumented() -> None:
    document = {
        "components": {
            "schemas": {
                "Closed": {"type": "object", "properties": {"a": {}}, "additionalProperties": False},
            }
        }
    }
    operation = Operation("closed", "GET", "/closed", {"200": "Closed"})
    spec = Spec(Path("closed.yaml"), document, {"closed": operation})
    found = [(v.rule, v.pointer) for v in check_schema({"a": 1, "b": 2}, spec, operation, 200)]
    assert found == [("schema.additional-properties", "")]


def test_follow_refs_unescapes_pointer_tokens() -> None:
    """RFC 6901: ``~1`` is ``/`` and ``~0`` is ``~`` inside a ``$ref`` (paths are keys with slashes)."""
    document = {
        "paths": {"/tasks/{id}": {"get": {"x": 1}}},
        "components": {"schemas": {"a~b": {"type": "string"}}},
        "refs": [{"$ref": "#/paths/~1tasks~1{id}/get"}, {"$ref": "#/components/schemas/a~0b"}],
    }
    assert follow_refs(document, document["refs"][0]) == ({"x": 1}, "get")
    assert follow_refs(document, document["refs"][1]) == ({"type": "string"}, "a~b")


@pytest.mark.parametrize(
    ("example", "real"),
    [
        ("ObproxyClusterDocumented", "obproxy-cluster-docs.json"),
        ("DocumentedSampleTaskControl", "task-retry-docs.json"),
        ("DocumentedSampleSubtaskLog", "subtask-log-docs.json"),
        ("NoDataAnswer", "subtask-skip-cancel-docs.json"),
    ],
)
def test_the_failure_paths_documented_samples_are_in_the_spec_verbatim(example: str, real: str) -> None:
    sample = json.loads((DATA / "real" / real).read_text())
    assert SPEC.document["components"]["examples"][example]["value"] == sample


def test_check_spec_counts_the_failure_paths_operations(capsys: pytest.CaptureFixture[str]) -> None:
    from contracts.cli import main

    assert main(["check-spec"]) == 0
    out = capsys.readouterr().out
    assert len(SPEC.operations) >= 10
    assert f"; {len(SPEC.operations)} operations; " in out and "examples conform" in out
