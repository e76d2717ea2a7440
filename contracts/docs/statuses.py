"""Enum values the pictures and the workflow need (subtask and task statuses), read from the spec."""

from __future__ import annotations

from typing import Any

from contracts.docs.palette import STATUS_COLOURS
from contracts.spec import Spec, resolve_ref

__all__ = ["property_enum", "subtask_statuses", "task_statuses"]


def property_enum(spec: Spec, schema: str, prop: str) -> list[str]:
    """The enum of ``components/schemas/<schema>/properties/<prop>``, following ``$ref``; ``[]`` if none."""
    schemas: dict[str, Any] = spec.document.get("components", {}).get("schemas", {})
    node: Any = resolve_ref(spec.document, schemas.get(schema, {}).get("properties", {}).get(prop, {}))
    values = node.get("enum") if isinstance(node, dict) else None
    return [str(v) for v in values] if isinstance(values, list) else []


def subtask_statuses(spec: Spec) -> list[str]:
    """Subtask statuses in the spec's order; the palette's if the spec lists none."""
    return property_enum(spec, "SubtaskInstance", "status") or list(STATUS_COLOURS)


def task_statuses(spec: Spec) -> list[str]:
    return property_enum(spec, "TaskInstance", "status")
