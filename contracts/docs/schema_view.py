"""How a JSON Schema reads in the reference: a type line with links, constraints, enum values.

A type is returned as *parts* — ``(text, anchor)`` pairs, ``anchor`` naming the schema a part
links to — so that markup stays in the templates. Nesting of ``anyOf``/``array``/map types is
walked with an explicit stack (schemas are small, but nothing here recurses anyway).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Part", "PropertyView", "SchemaView", "constraints", "enum_values", "schema_view", "type_parts"]

Part = tuple[str, str | None]
_REF = "#/components/schemas/"


def anchor(name: str) -> str:
    return f"schema-{name}"


def _ref_name(node: Any) -> str | None:
    ref = node.get("$ref") if isinstance(node, dict) else None
    return ref[len(_REF) :] if isinstance(ref, str) and ref.startswith(_REF) else None


def type_parts(schema: Any) -> list[Part]:
    """``array of SubtaskInstance``, ``integer (int64) or string``, ``map of string``, ``object or
    null``, ``TaskInstance and …`` (``allOf``), ``constant true``…"""
    parts: list[Part] = []
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, str):  # a literal joining word pushed earlier
            parts.append((node, None))
            continue
        name = _ref_name(node)
        if name:
            parts.append((name, anchor(name)))
            continue
        if not isinstance(node, dict):
            parts.append(("any JSON value", None))
            continue
        alternatives = node.get("anyOf") or node.get("oneOf")
        if alternatives:
            joined: list[Any] = []
            for alternative in alternatives:
                joined += [" or ", alternative] if joined else [alternative]
            stack.extend(reversed(joined))
        elif node.get("type") == "array":
            stack.extend([node.get("items", {}), "array of "])  # popped in reverse: the words first
        elif node.get("type") == "object" and isinstance(node.get("additionalProperties"), dict):
            stack.extend([node["additionalProperties"], "map of name → "])
        elif isinstance(node.get("allOf"), list) and node["allOf"]:
            joined = []
            for part in node["allOf"]:
                joined += [" and ", part] if joined else [part]
            stack.extend(reversed(joined))
        elif "const" in node:
            parts.append((f"constant {json.dumps(node['const'])}", None))
        elif isinstance(node.get("type"), list):  # ["object", "null"]: one of several JSON types
            fmt = f" ({node['format']})" if "format" in node else ""
            parts.append((" or ".join(map(str, node["type"])) + fmt, None))
        elif "type" in node:
            fmt = f" ({node['format']})" if "format" in node else ""
            parts.append((f"{node['type']}{fmt}", None))
        else:
            parts.append(("any JSON value", None))
    return parts


def constraints(schema: Any) -> list[str]:
    """Bounds a reader must respect: ``≥ 1``, ``≤ 2000``, ``not blank``, ``at least 1 item``, default."""
    if not isinstance(schema, dict):
        return []
    found = []
    if "minimum" in schema:
        found.append(f"≥ {schema['minimum']}")
    if "maximum" in schema:
        found.append(f"≤ {schema['maximum']}")
    if schema.get("minLength") == 1 or schema.get("pattern") == "\\S":
        found.append("not blank")
    elif "pattern" in schema:
        found.append(f"matches {schema['pattern']}")
    if "minItems" in schema:
        found.append(f"at least {schema['minItems']} item(s)")
    if "default" in schema:
        found.append(f"default {schema['default']}")
    return found


def enum_values(schema: Any, schemas: dict[str, Any]) -> tuple[list[str], bool]:
    """The enum values of ``schema`` (through one ``$ref``), and whether they are only *known* values."""
    node = schemas.get(_ref_name(schema) or "", schema) if isinstance(schema, dict) else {}
    if not isinstance(node, dict):
        return [], False
    if isinstance(node.get("enum"), list):
        return [str(v) for v in node["enum"]], False
    if isinstance(node.get("x-known-values"), list):
        return [str(v) for v in node["x-known-values"]], True
    return [], False


@dataclass(frozen=True)
class PropertyView:
    name: str
    type: list[Part]
    required: bool
    description: str
    constraints: list[str]
    enum: list[str]
    open_enum: bool
    since: str | None


@dataclass(frozen=True)
class SchemaView:
    """One component schema as the reference shows it."""

    name: str
    anchor: str
    description: str
    type: list[Part]
    constraints: list[str]
    enum: list[str]
    open_enum: bool
    properties: list[PropertyView] = field(default_factory=list)
    since: str | None = None

    @property
    def group(self) -> str:
        if self.enum and not self.properties:
            return "Enumerations"
        if self.name.endswith("Response") or self.name.startswith("Api"):
            return "Envelopes and errors"
        if self.name.endswith("Request"):
            return "Request bodies"
        if self.name.startswith("Obproxy") and self.properties:
            return "OBProxy clusters and servers"
        if self.properties:
            return "Tasks, subtasks and pages"
        return "Field types"


def _description(schema: Any, schemas: dict[str, Any]) -> str:
    """A property's own description, else the description of the schema it references."""
    if isinstance(schema, dict) and schema.get("description"):
        return str(schema["description"])
    target = schemas.get(_ref_name(schema) or "")
    return str(target.get("description", "")) if isinstance(target, dict) else ""


def schema_view(name: str, schema: dict[str, Any], schemas: dict[str, Any]) -> SchemaView:
    required = set(schema.get("required", []))
    properties = []
    for prop_name, prop in schema.get("properties", {}).items():
        values, open_enum = enum_values(prop, schemas)
        properties.append(
            PropertyView(
                name=prop_name,
                type=type_parts(prop),
                required=prop_name in required,
                description=_description(prop, schemas),
                constraints=constraints(prop),
                enum=values,
                open_enum=open_enum,
                since=prop.get("x-ocp-since") if isinstance(prop, dict) else None,
            )
        )
    values, open_enum = enum_values(schema, schemas)
    own_type = [] if properties else type_parts(schema)
    return SchemaView(
        name=name,
        anchor=anchor(name),
        description=str(schema.get("description", "")),
        type=own_type,
        constraints=constraints(schema),
        enum=values,
        open_enum=open_enum,
        properties=properties,
        since=schema.get("x-ocp-since"),
    )
