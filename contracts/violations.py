"""What a check reports: a frozen :class:`Violation`, its :class:`Severity`, and the error classes.

A check never raises on a contract problem and never prints: it yields ``Violation`` values.
Errors are grouped by who must fix them:

* :class:`SpecError` — the spec author (``spec/openapi.yaml`` is unusable);
* :class:`ContractViolation` — the API implementer (an ``AssertionError``, so pytest and
  schemathesis read it as a failed contract);
* :class:`UsageError` — the user (bad arguments, unreadable file, unreachable target), always
  one line saying what was expected and what was given.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any


class Severity(enum.Enum):
    """``ERROR`` breaks the contract; ``WARNING`` is worth a look but conforms."""

    ERROR = "error"
    WARNING = "warning"


def describe(value: Any, limit: int = 120) -> str:
    """A short, stable, JSON-like rendering of an actual value for messages."""
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=repr)
    except (TypeError, ValueError, RecursionError):
        text = _fallback(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fallback(value: Any) -> str:
    """``repr`` when it can be had; an integer too long for ``str`` is described by its size."""
    if isinstance(value, int):
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    try:
        return repr(value)
    except (ValueError, RecursionError):
        return f"a {type(value).__name__} value"


@dataclass(frozen=True, slots=True)
class Violation:
    """One way a response departs from the contract.

    ``rule`` is a stable id (``dag.asymmetric-edge``) that tooling may match on;
    ``pointer`` is an RFC 6901 pointer into the checked payload; ``expected`` and ``actual``
    are short human-readable renderings; ``spec`` points at the part of the contract that
    says so; ``hint`` suggests a fix when one is known. ``edges`` names, as data, the subtask
    edges ``(from_id, to_id)`` the violation is about (a cycle's every hop, however long its
    printed path is shortened), so pictures never read the prose.
    """

    rule: str
    pointer: str
    message: str
    expected: str = ""
    actual: str = ""
    severity: Severity = Severity.ERROR
    spec: str = ""
    hint: str = ""
    edges: tuple[tuple[int, int], ...] = ()

    def under(self, prefix: str) -> Violation:
        """The same violation with ``prefix`` (a pointer) put in front of its pointer."""
        return replace(self, pointer=prefix + self.pointer) if prefix else self

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[int, str, str, str]:
        """Errors first, then by pointer and rule, so output is stable run to run."""
        return (0 if self.is_error else 1, self.pointer, self.rule, self.message)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form; ``edges`` appears only on violations about edges."""
        fields: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity.value,
            "pointer": self.pointer,
            "message": self.message,
            "expected": self.expected,
            "actual": self.actual,
            "spec": self.spec,
            "hint": self.hint,
        }
        if self.edges:
            fields["edges"] = [list(edge) for edge in self.edges]
        return fields

    def render(self) -> str:
        """Headline, then ``at`` / ``expected`` / ``actual`` / ``spec`` and a hint if any."""
        lines = [f"{self.severity.value}: [{self.rule}] {self.message}", f"  at:       {self.pointer or '/'}"]
        if self.expected:
            lines.append(f"  expected: {self.expected}")
        if self.actual:
            lines.append(f"  actual:   {self.actual}")
        if self.spec:
            lines.append(f"  spec:     {self.spec}")
        if self.hint:
            lines.append(f"  hint:     {self.hint}")
        return "\n".join(lines)


def sort_violations(violations: Iterable[Violation]) -> list[Violation]:
    """Sorted, duplicate-free list (errors first, then by pointer)."""
    return sorted(set(violations), key=Violation.sort_key)


class SpecError(Exception):
    """``spec/openapi.yaml`` cannot be loaded or lacks what the suite needs (the spec author fixes it)."""


class UsageError(Exception):
    """Bad arguments, unreadable input, unreachable target: one line, expected vs given."""


class ContractViolation(AssertionError):
    """The server broke the contract; carries the violations so reports can use the fields."""

    def __init__(self, violations: Iterable[Violation], context: str = "") -> None:
        self.violations = tuple(violations)
        self.context = context
        body = "\n".join(v.render() for v in self.violations)
        super().__init__(f"{context}\n{body}" if context else body)
