"""Render a comparison for people (text) or tools (JSON)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from contracts.shapes.compare import Comparability, Difference

__all__ = ["render_json", "render_text"]


def _counts(differences: Sequence[Difference]) -> tuple[int, int]:
    breaking = sum(1 for d in differences if d.breaking)
    return len(differences), breaking


_ALIKE = Comparability(True)


def _not_comparable(alike: Comparability) -> list[str]:
    if alike.comparable:
        return []
    return [
        "not comparable: the runs were collected differently (" + "; ".join(alike.reasons) + ")",
        "  what one run saw and the other did not may just not have been asked for, so only the types of",
        "  what both saw are compared; save both shapes with the same options (--seed, --phases, …)",
        "  to compare all",
    ]


def render_text(
    differences: Sequence[Difference], *, old: str, new: str, alike: Comparability = _ALIKE
) -> str:
    """A note when the shapes are not comparable, one line per difference (``BREAKING`` or
    ``ok`` first), then a one-line verdict."""
    lines = _not_comparable(alike)
    for d in differences:
        mark = "BREAKING" if d.breaking else "ok      "
        where = f"{d.operation} {d.status}" if d.status else d.operation
        lines.append(f"{mark}  {where:<24} {d.message}")
    total, breaking = _counts(differences)
    if not total:
        same = "same shape" if alike.comparable else "the same types wherever both runs looked"
        lines.append(f"{old} → {new}: {same}")
    else:
        verdict = "breaks clients written against OLD" if breaking else "no client written against OLD breaks"
        lines.append(f"{old} → {new}: {total} difference(s), {breaking} breaking — {verdict}")
    return "\n".join(lines)


def render_json(
    differences: Sequence[Difference], *, old: str, new: str, alike: Comparability = _ALIKE
) -> str:
    total, breaking = _counts(differences)
    report = {
        "old": old,
        "new": new,
        "comparable": alike.comparable,
        "notComparableBecause": list(alike.reasons),
        "differences": total,
        "breaking": breaking,
        "items": [d.to_dict() for d in differences],
    }
    return json.dumps(report, indent=2, ensure_ascii=False)
