"""Walk every response example the spec carries, with the operation and status it documents.

The examples are part of the contract: each must pass the validators of its own operation and
status. ``ocp-contract check-spec`` and the tests use this walk.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from contracts.spec import Spec, resolve_ref


@dataclass(frozen=True)
class SpecExample:
    """One example body: where it is documented and its value."""

    operation_id: str
    status: int
    name: str
    value: Any

    @property
    def label(self) -> str:
        return f"{self.operation_id} {self.status} {self.name}"


def response_examples(spec: Spec) -> Iterator[SpecExample]:
    """Every ``example`` / ``examples`` value under every documented response of every operation."""
    for path_item in spec.document["paths"].values():
        for method_item in path_item.values():
            if not isinstance(method_item, dict) or "operationId" not in method_item:
                continue
            for status, response in method_item.get("responses", {}).items():
                media = resolve_ref(spec.document, response).get("content", {}).get("application/json", {})
                if "example" in media:
                    yield SpecExample(method_item["operationId"], int(status), "example", media["example"])
                for name, example in media.get("examples", {}).items():
                    yield SpecExample(
                        method_item["operationId"],
                        int(status),
                        name,
                        resolve_ref(spec.document, example)["value"],
                    )
