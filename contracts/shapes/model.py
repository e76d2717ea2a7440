"""The observed shape of an API: what a target actually sent, per operation and status.

A shape file is JSON, small and diff-friendly (keys sorted, lists sorted)::

    {"format": "ocp-contract-shape/1",
     "meta": {"target": "http://127.0.0.1:8080"},
     "collection": {"seed": "1", "phases": "examples,coverage", "maxExamples": "2", ...},
     "operations": {"upgradeObproxies": {"200": {
         "responses": 3,
         "headers": ["content-type", "ratelimit-limit"],
         "properties": {"": ["object"], "/data/subtasks/*/id": ["integer"]},
         "enums": {"/data/status": ["RUNNING"]}}}}}

``properties`` maps JSON pointers — array indices and the keys of free-form maps collapsed to
``*``; ``""`` is the body itself — to the JSON types seen there. ``enums`` holds the values
seen at the fields the spec declares as enums. ``collection`` records how the responses were
collected — the options that decide which requests were sent (seed, phases, examples, OCP
version, task ids, whether an upgrade was allowed) — so that ``compare`` can tell a difference
of the target from a difference of what the two runs exercised; files written before it existed
have none. A file that does not have this form is a :class:`UsageError` (exit 2): the user
handed the wrong file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts.violations import UsageError

__all__ = ["FORMAT", "JSON_TYPES", "Shape", "StatusShape", "load_shape"]

FORMAT = "ocp-contract-shape/1"
JSON_TYPES = frozenset({"object", "array", "string", "integer", "number", "boolean", "null"})


def _value_key(value: object) -> str:
    return json.dumps(value, sort_keys=True)


@dataclass
class StatusShape:
    """What one operation answered with one HTTP status, accumulated over responses."""

    responses: int = 0
    headers: set[str] = field(default_factory=set)
    properties: dict[str, set[str]] = field(default_factory=dict)
    enums: dict[str, list[Any]] = field(default_factory=dict)

    def add_enum_value(self, path: str, value: object) -> None:
        seen = self.enums.setdefault(path, [])
        if value not in seen:
            seen.append(value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "responses": self.responses,
            "headers": sorted(self.headers),
            "properties": {path: sorted(types) for path, types in sorted(self.properties.items())},
            "enums": {path: sorted(values, key=_value_key) for path, values in sorted(self.enums.items())},
        }


@dataclass
class Shape:
    """Every operation and status observed, with free-form metadata (target, OCP version…)."""

    operations: dict[str, dict[int, StatusShape]] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    #: how the responses were collected (see the module docstring); empty when unknown
    collection: dict[str, str] = field(default_factory=dict)

    def status(self, operation_id: str, status: int) -> StatusShape:
        """The entry for one operation and status, created on first use."""
        return self.operations.setdefault(operation_id, {}).setdefault(status, StatusShape())

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "meta": dict(sorted(self.meta.items())),
            "collection": dict(sorted(self.collection.items())),
            "operations": {
                operation: {str(status): entry.to_dict() for status, entry in sorted(statuses.items())}
                for operation, statuses in sorted(self.operations.items())
            },
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: object, *, source: str = "shape") -> Shape:
        """Rebuild a shape from :meth:`to_dict` output; anything else raises :class:`UsageError`."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise UsageError(f'{source} is not a shape file; expected JSON with "format": "{FORMAT}"')
        operations = data.get("operations")
        meta = data.get("meta", {})
        collection = data.get("collection", {})
        if not isinstance(operations, dict) or not isinstance(meta, dict) or not isinstance(collection, dict):
            raise UsageError(f"{source}: expected 'operations', 'meta' and 'collection' objects")
        shape = cls(
            meta={str(k): str(v) for k, v in meta.items()},
            collection={str(k): str(v) for k, v in collection.items()},
        )
        for operation, statuses in operations.items():
            if not isinstance(statuses, dict):
                raise UsageError(f"{source}: operation {operation!r} is not an object of statuses")
            shape.operations[str(operation)] = {}
            for status, entry in statuses.items():
                shape.operations[str(operation)][_status(status, source)] = _entry(entry, source)
        return shape


def _status(text: str, source: str) -> int:
    if not text.isdigit() or not 100 <= int(text) <= 599:
        raise UsageError(f"{source}: {text!r} is not an HTTP status; expected 100..599")
    return int(text)


def _entry(entry: object, source: str) -> StatusShape:
    if not isinstance(entry, dict):
        raise UsageError(f"{source}: a status entry is not an object")
    properties = entry.get("properties", {})
    enums = entry.get("enums", {})
    headers = entry.get("headers", [])
    responses = entry.get("responses", 0)
    if not (
        isinstance(properties, dict)
        and isinstance(enums, dict)
        and isinstance(headers, list)
        and isinstance(responses, int)
    ):
        raise UsageError(f"{source}: a status entry needs 'properties' and 'enums' objects, a 'headers' list")
    for path, types in properties.items():
        if not isinstance(types, list) or not set(types) <= JSON_TYPES:
            raise UsageError(f"{source}: types at {path!r} must be a list of JSON type names; got {types!r}")
    return StatusShape(
        responses=responses,
        headers={str(h) for h in headers},
        properties={str(p): set(t) for p, t in properties.items()},
        enums={str(p): list(v) if isinstance(v, list) else [v] for p, v in enums.items()},
    )


def load_shape(path: str | Path) -> Shape:
    """Read a shape file; an unreadable or malformed file is a :class:`UsageError`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}; expected a shape file") from None
    try:
        data = json.loads(text)
    except ValueError as error:
        raise UsageError(f"{path} is not valid JSON ({error}); expected a shape file") from None
    return Shape.from_dict(data, source=str(path))
