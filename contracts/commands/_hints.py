"""Lines a command prints to point at another command that would help with what it found."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from contracts.violations import Violation

__all__ = ["graph_hint", "operation_hint"]


def graph_hint(violations: Iterable[Violation], source: str) -> str | None:
    """The line ``validate`` prints when a picture of the task would help, else ``None``.

    Graph findings (``dag.*``) are easier to read on the drawn task, where ``ocp-contract
    graph`` highlights the flagged subtasks and edges.
    """
    if not any(v.rule.startswith("dag.") for v in violations):
        return None
    name = "FILE" if source == "standard input" else source
    return f"hint: see the flagged subtasks in a picture: ocp-contract graph {name} --out task.svg"


def operation_hint(body: Any, violations: Iterable[Violation], operation: str) -> str | None:
    """The line ``validate`` prints when a failing body looks like another operation's answer.

    A saved task list checked as the default ``upgrade`` fails on every task field; the hint names
    the ``--operation`` that fits instead of leaving the reader to infer it from the errors.
    """
    if not violations:
        return None
    data = body.get("data") if isinstance(body, Mapping) else None
    if not isinstance(data, Mapping) or not any(v.is_error for v in violations):
        return None
    if operation != "tasks" and "contents" in data and "page" in data:
        return "hint: this body looks like a task list (data.contents, data.page): add --operation tasks"
    if operation == "tasks" and "subtasks" in data and "contents" not in data:
        return "hint: this body looks like one task (data.subtasks): add --operation task or upgrade"
    return None
