"""Colours of subtask statuses and highlights, shared by the SVG, Mermaid and HTML renderers.

Colour is never the only signal: every node also prints its status as text, and a flagged
node carries a "!" badge.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.ocp import CANCELING, FAILED, PENDING, READY, RUNNING, SUCCESSFUL

__all__ = ["FLAG", "MISSING_COLOURS", "UNKNOWN", "Colours", "colours"]


@dataclass(frozen=True)
class Colours:
    fill: str
    stroke: str
    text: str = "#1f2328"


STATUS_COLOURS: dict[str, Colours] = {
    PENDING: Colours("#eef0f3", "#8c959f"),
    READY: Colours("#dbeafe", "#2563eb"),
    RUNNING: Colours("#fef3c7", "#d97706"),
    CANCELING: Colours("#ffedd5", "#ea580c"),
    FAILED: Colours("#fee2e2", "#dc2626"),
    SUCCESSFUL: Colours("#dcfce7", "#16a34a"),
}
UNKNOWN = Colours("#ffffff", "#57606a")
MISSING_COLOURS = Colours("#ffffff", "#be185d", "#be185d")
#: Outline of flagged subtasks and edges: magenta, so it is not confused with FAILED red.
FLAG = "#be185d"
FLAG_WARNING = "#a16207"


def colours(status: str) -> Colours:
    """The colours for a subtask status; an unknown status gets a neutral outline."""
    return STATUS_COLOURS.get(status, UNKNOWN)
