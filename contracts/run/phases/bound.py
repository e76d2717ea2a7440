"""``--max-examples`` as a bound on the coverage phase too, not only on the phases that draw at random.

schemathesis reads ``max-examples`` in its fuzzing and stateful phases (the examples phase sends
the spec's own examples, a fixed handful); the coverage phase derives every boundary and negative
case of the schema deterministically (200-odd on this spec), whatever the number. A
``filter_case`` hook — the one generation hook the coverage phase honours — lets through at most
``max_examples`` coverage cases per operation and *kind* of case (schemathesis' coverage scenario:
an incorrect type, a missing required property, a missing body, an undeclared method, …). Bounding
per kind rather than per operation keeps what the phase is for: each kind is still tried at least
once — a missing body, say, comes last in the upgrade's order and would never be reached — so
``--max-examples 1`` is a smoke test of a few dozen requests, and the default leaves the phase
nearly whole. What the bound held back is counted, for a note in the summary: the user asked for
it, so it is not "not verified".
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

__all__ = ["BOUNDED_PHASE", "PhaseBound"]


#: The phase the bound applies to; the others are bounded by schemathesis itself.
BOUNDED_PHASE = "coverage"


class PhaseBound:
    """At most ``max_examples`` coverage cases per (operation, kind); the rest are counted, not sent."""

    def __init__(self, max_examples: int) -> None:
        self.max_examples = max_examples
        self._sent: Counter[tuple[str, str]] = Counter()
        self.held_back: Counter[str] = Counter()
        self._lock = threading.Lock()

    def admits(self, operation: str, kind: str, phase: str = BOUNDED_PHASE) -> bool:
        """Count one case of ``operation`` and ``kind`` in ``phase``; whether it is within the bound."""
        if phase != BOUNDED_PHASE:
            return True
        with self._lock:
            if self._sent[(operation, kind)] >= self.max_examples:
                self.held_back[phase] += 1
                return False
            self._sent[(operation, kind)] += 1
            return True

    def install(self, schema: Any) -> None:
        """Register the bound on ``schema`` as its ``filter_case`` hook (schemathesis finds a hook
        by its function's name, so it is a plain function, not this object's method)."""

        def filter_case(context: Any, case: Any) -> bool:
            info = getattr(getattr(case, "meta", None), "phase", None)
            phase = str(getattr(info, "name", "") or "")
            kind = str(getattr(getattr(info, "data", None), "scenario", "") or "")
            return self.admits(case.operation.label, kind, phase)

        schema.hook(filter_case)

    def notes(self) -> list[str]:
        """One line per phase the bound cut, for the summary."""
        return [
            f"{phase}: {count} case(s) beyond --max-examples {self.max_examples} per operation and kind "
            "not sent"
            for phase, count in sorted(self.held_back.items())
        ]
