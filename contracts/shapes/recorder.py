"""Record what a target actually sends: ``ShapeRecorder.observe(...)`` per response, then save.

The runner calls :meth:`ShapeRecorder.observe` once per response it received and
:meth:`ShapeRecorder.save` at the end (``run --save-shape FILE``); ``compare`` then sets two
saved shapes side by side. Each body is walked once, iteratively: linear in its size, with no
recursion however deep or long a task is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from contracts._pointer import escape_token
from contracts.shapes.model import Shape, StatusShape
from contracts.shapes.schema_paths import SchemaPaths, schema_paths
from contracts.spec import Spec, load_spec
from contracts.violations import SpecError

__all__ = ["TRANSPORT_HEADERS", "ShapeRecorder", "json_type"]

#: Headers that describe the connection, not the API; they are not recorded.
TRANSPORT_HEADERS = frozenset({"date", "content-length", "connection", "keep-alive", "transfer-encoding"})


def json_type(value: object) -> str:
    """The JSON type name of a parsed value (``True`` is a boolean, ``1.0`` a number)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return type(value).__name__


def _nodes(body: Any, maps: frozenset[str]) -> Iterator[tuple[str, Any]]:
    """``(path, value)`` for the body and everything in it; indices and map keys become ``*``."""
    stack: list[tuple[str, Any]] = [("", body)]
    while stack:
        path, value = stack.pop()
        yield path, value
        if isinstance(value, Mapping):
            collapse = path in maps
            for key, item in value.items():
                stack.append((f"{path}/{'*' if collapse else escape_token(key)}", item))
        elif isinstance(value, list | tuple):
            stack.extend((f"{path}/*", item) for item in value)


class ShapeRecorder:
    """Accumulates the shape of every response it is shown.

    ``spec`` (default: the loaded contract) tells which fields are enums and which objects are
    free-form maps; ``meta`` is saved as it is (say, the target and its OCP version).
    """

    def __init__(self, spec: Spec | None = None, *, meta: Mapping[str, str] | None = None) -> None:
        self._spec = spec
        self._paths: dict[tuple[str, int], SchemaPaths] = {}
        self.shape = Shape(meta=dict(meta or {}))

    def _spec_or_default(self) -> Spec:
        if self._spec is None:
            self._spec = load_spec()
        return self._spec

    def _operation_id(self, name: str) -> str:
        try:
            return self._spec_or_default().operation(name).operation_id
        except SpecError:
            return name

    def _schema_paths(self, operation_id: str, status: int) -> SchemaPaths:
        key = (operation_id, status)
        if key not in self._paths:
            self._paths[key] = schema_paths(self._spec_or_default(), operation_id, status)
        return self._paths[key]

    def observe(self, operation_id: str, status: int, headers: Mapping[str, str] | None, body: Any) -> None:
        """Record one response: ``body`` parsed JSON (``None`` when the response had none)."""
        operation_id = self._operation_id(operation_id)
        entry = self.shape.status(operation_id, status)
        entry.responses += 1
        names = {name.lower() for name in headers or {}}
        entry.headers.update(names - TRANSPORT_HEADERS)
        if body is not None:
            self._record_body(entry, body, self._schema_paths(operation_id, status))

    @staticmethod
    def _record_body(entry: StatusShape, body: Any, paths: SchemaPaths) -> None:
        for path, value in _nodes(body, paths.maps):
            entry.properties.setdefault(path, set()).add(json_type(value))
            if path in paths.enums and isinstance(value, str | int) and not isinstance(value, bool):
                entry.add_enum_value(path, value)

    def to_json(self) -> str:
        return self.shape.to_json()

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")
