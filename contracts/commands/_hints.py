"""Lines a command prints to point at another command that would help with what it found."""

from __future__ import annotations

from collections.abc import Iterable

from contracts.violations import Violation

__all__ = ["graph_hint"]


def graph_hint(violations: Iterable[Violation], source: str) -> str | None:
    """The line ``validate`` prints when a picture of the task would help, else ``None``.

    Graph findings (``dag.*``) are easier to read on the drawn task, where ``ocp-contract
    graph`` highlights the flagged subtasks and edges.
    """
    if not any(v.rule.startswith("dag.") for v in violations):
        return None
    name = "FILE" if source == "standard input" else source
    return f"hint: see the flagged subtasks in a picture: ocp-contract graph {name} --out task.svg"
