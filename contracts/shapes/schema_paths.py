"""Which paths of a response the spec calls enums, and which are free-form maps.

The recorder keeps the *values* seen at enum fields (a new ``status`` value is news to a
client) and collapses the keys of free-form maps such as ``context.stringMap`` to ``*`` (their
keys differ per task, so recording them would report noise as removed properties). Both sets
come from the response schema of the operation and status, walked iteratively; paths use the
recorder's form (array items as ``*``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contracts._pointer import escape_token
from contracts.spec import Spec, resolve_ref
from contracts.violations import SpecError

__all__ = ["SchemaPaths", "schema_paths"]

_REF_PREFIX = "#/components/schemas/"
#: Deeper than any response of this API; stops a self-referencing schema from walking forever.
_MAX_DEPTH = 24
_COMBINATORS = ("anyOf", "oneOf", "allOf")


@dataclass(frozen=True)
class SchemaPaths:
    """Paths of one response schema: enum fields and free-form maps (whose keys become ``*``)."""

    enums: frozenset[str] = frozenset()
    maps: frozenset[str] = frozenset()


def _children(path: str, node: dict[str, Any]) -> list[tuple[str, Any]]:
    """The sub-schemas of ``node`` with the paths their values take in a response."""
    found: list[tuple[str, Any]] = [(path, alt) for key in _COMBINATORS for alt in node.get(key, [])]
    found += [(f"{path}/{escape_token(name)}", sub) for name, sub in node.get("properties", {}).items()]
    if isinstance(node.get("items"), dict):
        found.append((f"{path}/*", node["items"]))
    if isinstance(node.get("additionalProperties"), dict) and not node.get("properties"):
        found.append((f"{path}/*", node["additionalProperties"]))
    return found


def schema_paths(spec: Spec, operation_id: str, status: int) -> SchemaPaths:
    """Enum and map paths of the response schema for ``operation_id`` and ``status`` (empty if none)."""
    try:
        schema_name = spec.operation(operation_id).schema_name_for(status)
    except SpecError:
        return SchemaPaths()
    if schema_name is None:
        return SchemaPaths()
    enums: set[str] = set()
    maps: set[str] = set()
    stack: list[tuple[str, Any, int]] = [("", {"$ref": _REF_PREFIX + schema_name}, 0)]
    while stack:
        path, node, depth = stack.pop()
        node = resolve_ref(spec.document, node)
        if not isinstance(node, dict) or depth > _MAX_DEPTH:
            continue
        if "enum" in node or "x-known-values" in node:
            enums.add(path)
        if isinstance(node.get("additionalProperties"), dict) and not node.get("properties"):
            maps.add(path)
        stack.extend((child_path, child, depth + 1) for child_path, child in _children(path, node))
    return SchemaPaths(enums=frozenset(enums), maps=frozenset(maps))
