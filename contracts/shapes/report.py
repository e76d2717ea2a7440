"""Render a comparison for people (text) or tools (JSON)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from contracts.shapes.compare import Difference

__all__ = ["render_json", "render_text"]


def _counts(differences: Sequence[Difference]) -> tuple[int, int]:
    breaking = sum(1 for d in differences if d.breaking)
    return len(differences), breaking


def render_text(differences: Sequence[Difference], *, old: str, new: str) -> str:
    """One line per difference, ``BREAKING`` or ``ok`` first, then a one-line verdict."""
    lines = []
    for d in differences:
        mark = "BREAKING" if d.breaking else "ok      "
        where = f"{d.operation} {d.status}" if d.status else d.operation
        lines.append(f"{mark}  {where:<24} {d.message}")
    total, breaking = _counts(differences)
    if not total:
        lines.append(f"{old} → {new}: same shape")
    else:
        verdict = "breaks clients written against OLD" if breaking else "no client written against OLD breaks"
        lines.append(f"{old} → {new}: {total} difference(s), {breaking} breaking — {verdict}")
    return "\n".join(lines)


def render_json(differences: Sequence[Difference], *, old: str, new: str) -> str:
    total, breaking = _counts(differences)
    report = {"old": old, "new": new, "differences": total, "breaking": breaking,
              "items": [d.to_dict() for d in differences]}
    return json.dumps(report, indent=2, ensure_ascii=False)
