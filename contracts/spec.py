"""Load ``spec/openapi.yaml`` once and hand out what the checks need from it.

The spec is the single source of the schemas: this module turns the OpenAPI document into
standalone JSON Schema (Draft 2020-12) documents — ``components/schemas`` moved under ``$defs``
with their ``$ref``\\ s rewritten — and compiles them with jsonschema-rs, the fastest well-kept
validator for Python. Two validators exist per schema:

* **lenient**, the spec as written (undocumented properties allowed, as OCP may add fields);
* **strict**, the same where every object schema that lists ``properties`` and does not
  already say what extra properties may be forbids the others. Its extra failures are exactly
  the undocumented properties.

How strict forbids: ``additionalProperties: false`` on an object schema that applies no other
schema in place (no ``$ref``, ``allOf``, ``anyOf``, ``oneOf``, ``if``/``then``/``else``,
``dependentSchemas``), ``unevaluatedProperties: false`` on one that does. On the former both
mean the same — only ``properties`` and ``patternProperties`` evaluate anything there — and
jsonschema-rs checks ``additionalProperties`` at no cost over the lenient schema, while
``unevaluatedProperties`` collects annotations and made a 100,000-subtask task take half as
long again.
"""

from __future__ import annotations

import copy
import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts._pointer import split, unescape_token
from contracts.ocp import LIFECYCLE_ROUTES, ROUTES
from contracts.spec_cache import load_cached
from contracts.violations import SpecError

#: The contract as the package ships it: ``contracts/data/openapi.yaml``, package data beside
#: this module (the file :mod:`importlib.resources` names too; found here without importing it,
#: whose imports — zipfile, tempfile, shutil and the rest — were a tenth of ``validate``'s
#: start-up). In a checkout it is a link to ``spec/openapi.yaml``, the one source, which the
#: wheel and the sdist carry as a file. ``OCP_CONTRACT_SPEC`` overrides it.
DEFAULT_SPEC_PATH = Path(__file__).resolve().parent / "data" / "openapi.yaml"


#: Short operation names of the command line, mapped to the spec's operationIds: the upgrade and
#: its task reads, then the failure path's calls and the OBProxy cluster read.
OPERATIONS: dict[str, str] = {
    short: operation_id for short, (_, _, operation_id) in (ROUTES | LIFECYCLE_ROUTES).items()
}
#: Every short name an operation may be asked by (``assert_conforms``, ``validate --operation``).
SHORT_NAMES: dict[str, str] = OPERATIONS

_COMPONENT_PREFIX = "#/components/schemas/"
_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Operation:
    """One operation of the spec: where it lives and which schema each documented status has."""

    operation_id: str
    method: str
    path: str
    #: status key as the spec writes it ("200", "4XX", "default") → component schema name.
    response_schemas: dict[str, str | None]

    @property
    def documented_statuses(self) -> list[str]:
        return sorted(self.response_schemas)

    def schema_name_for(self, status: int) -> str | None:
        """The component schema for an HTTP status: exact, then ``4XX``-style, then ``default``."""
        for key in (str(status), f"{status // 100}XX", "default"):
            if key in self.response_schemas:
                return self.response_schemas[key]
        return None

    def documents(self, status: int) -> bool:
        keys = (str(status), f"{status // 100}XX", "default")
        return any(key in self.response_schemas for key in keys)


@dataclass
class Spec:
    """The loaded contract. Build it with :func:`load_spec`; it is cached per path."""

    path: Path
    document: dict[str, Any]
    operations: dict[str, Operation]
    _validators: dict[tuple[str, bool], Any] = field(default_factory=dict, repr=False)

    def operation(self, name: str) -> Operation:
        """An operation by short name (``upgrade``) or operationId (``upgradeObproxies``)."""
        operation_id = SHORT_NAMES.get(name, name)
        try:
            return self.operations[operation_id]
        except KeyError:
            known = ", ".join(sorted(short for short, op in SHORT_NAMES.items() if op in self.operations))
            raise SpecError(f"unknown operation {name!r}; expected one of {known}") from None

    def requires_data(self, operation: Operation, status: int) -> bool:
        """Whether the spec's schema for ``operation`` at ``status`` requires ``data``: ``False`` for
        the calls OCP answers with a ``NoDataResponse`` (a subtask skip or cancel; a rollback, which
        the docs answer with the task and OCP Express without ``data``)."""
        name = operation.schema_name_for(status)
        schema = self.document.get("components", {}).get("schemas", {}).get(name) if name else None
        return not isinstance(schema, dict) or "data" in schema.get("required", ())

    def validator(self, schema_name: str, *, strict: bool) -> Any:
        """A compiled jsonschema-rs validator for a component schema (cached)."""
        key = (schema_name, strict)
        if key not in self._validators:
            import jsonschema_rs  # built on first use: commands that compile no schema skip it

            self._validators[key] = jsonschema_rs.Draft202012Validator(
                standalone_schema(self.document, schema_name, strict=strict),
                validate_formats=True,
            )
        return self._validators[key]


def _walk_dicts(node: Any) -> Iterator[dict[str, Any]]:
    """Every dict inside ``node``, iteratively (the spec is small, but no recursion anyway)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


#: Keywords that apply another schema to the same object: where one is present, only
#: ``unevaluatedProperties`` sees the properties it evaluates.
_IN_PLACE_APPLICATORS = frozenset(
    {"$ref", "$dynamicRef", "allOf", "anyOf", "oneOf", "if", "then", "else", "dependentSchemas"}
)


def _forbid_undocumented(schemas: dict[str, Any]) -> None:
    """Make every object schema with ``properties`` refuse the others (see the module docstring)."""
    for node in _walk_dicts(schemas):
        if not isinstance(node.get("properties"), dict):
            continue
        if "additionalProperties" in node or "unevaluatedProperties" in node:
            continue
        if _IN_PLACE_APPLICATORS.isdisjoint(node):
            node["additionalProperties"] = False
        else:
            node["unevaluatedProperties"] = False


def standalone_schema(document: dict[str, Any], schema_name: str, *, strict: bool) -> dict[str, Any]:
    """A Draft 2020-12 schema for ``components/schemas/<schema_name>``, refs rewritten to ``$defs``."""
    schemas = copy.deepcopy(document.get("components", {}).get("schemas", {}))
    if schema_name not in schemas:
        raise SpecError(f"spec has no components/schemas/{schema_name}")
    for node in _walk_dicts(schemas):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_COMPONENT_PREFIX):
            node["$ref"] = "#/$defs/" + ref[len(_COMPONENT_PREFIX) :]
    if strict:
        _forbid_undocumented(schemas)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": f"#/$defs/{schema_name}",
        "$defs": schemas,
    }


def follow_refs(document: dict[str, Any], node: Any) -> tuple[Any, str | None]:
    r"""Follow local ``$ref``\ s from ``node``: ``(target, name of the last component)``.

    The one resolver of the project (the spec, its examples, the reference and the shapes use
    it). A broken reference raises ``KeyError``; the spec is validated, so none should exist.
    """
    name = None
    for _ in range(32):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str) or not ref.startswith("#/"):
            break
        target: Any = document
        for token in split(ref[1:]):
            target = target[token]
        node, name = target, unescape_token(ref.rsplit("/", 1)[-1])
    return node, name


def resolve_ref(document: dict[str, Any], node: Any) -> Any:
    r"""``node`` with its local ``$ref``\ s followed (responses and examples live in components)."""
    return follow_refs(document, node)[0]


def _schema_name(document: dict[str, Any], response: Any) -> str | None:
    content = resolve_ref(document, response).get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    ref = schema.get("$ref", "")
    return ref[len(_COMPONENT_PREFIX) :] if ref.startswith(_COMPONENT_PREFIX) else None


def _operations(document: dict[str, Any]) -> dict[str, Operation]:
    operations: dict[str, Operation] = {}
    for path, item in document.get("paths", {}).items():
        for method in _HTTP_METHODS:
            spec_op = item.get(method)
            if not spec_op:
                continue
            responses = spec_op.get("responses", {})
            operations[spec_op["operationId"]] = Operation(
                operation_id=spec_op["operationId"],
                method=method.upper(),
                path=path,
                response_schemas={str(k): _schema_name(document, v) for k, v in responses.items()},
            )
    return operations


def parse_yaml(raw: bytes) -> Any:
    """The spec's YAML parsed with libyaml's safe loader, which reads it several times faster than
    PyYAML's pure-Python one (still used where libyaml is missing). Either runs once per spec:
    later processes read the result from :mod:`contracts.spec_cache`. Raises ``ValueError``
    (``UnicodeDecodeError``, or the ``yaml.YAMLError`` as one) when it is no YAML."""
    import yaml  # imported only when the spec is parsed, not when it comes from the cache

    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(raw.decode("utf-8"), Loader=loader)
    except yaml.YAMLError as error:
        raise ValueError(str(error)) from None


def spec_path() -> Path:
    return Path(os.environ.get("OCP_CONTRACT_SPEC", DEFAULT_SPEC_PATH))


@functools.lru_cache(maxsize=4)
def load_spec(path: Path | None = None) -> Spec:
    """Load and index the contract (cached): raises :class:`SpecError` when it is unusable."""
    path = path or spec_path()
    try:
        document = load_cached(path.read_bytes(), parse_yaml)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise SpecError(f"cannot read the contract at {path}: {error}") from None
    if not isinstance(document, dict) or "paths" not in document:
        raise SpecError(f"{path} is not an OpenAPI document (no 'paths')")
    try:
        operations = _operations(document)
    except (KeyError, TypeError, AttributeError) as error:
        raise SpecError(f"{path}: an operation lacks {error}") from None
    missing = sorted(set(OPERATIONS.values()) - set(operations))
    if missing:
        raise SpecError(f"{path} lacks the operations {', '.join(missing)}")
    return Spec(path=path, document=document, operations=operations)


def spec_location(schema_path: list[str | int]) -> str:
    """Map a validator schema path (``$defs/X/...``) back to the spec (``#/components/schemas/X/...``)."""
    tokens = [str(t) for t in schema_path]
    if len(tokens) >= 2 and tokens[0] == "$defs":
        tokens = ["components", "schemas", *tokens[1:]]
    return "#/" + "/".join(tokens)
