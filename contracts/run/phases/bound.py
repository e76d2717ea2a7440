"""``--max-examples`` as a bound on every phase, not only on the ones that draw at random.

schemathesis reads ``max-examples`` in its fuzzing and stateful phases only; the coverage phase
derives every boundary and negative case of the schema deterministically (170-odd on this spec),
whatever the number. A ``filter_case`` hook — the one generation hook the coverage phase honours —
lets through at most ``max_examples`` cases per operation and phase, so ``--max-examples 1`` is a
smoke test in every phase, and a run's size is known before it starts. What the bound held back is
counted per phase, for a note in the summary: the user asked for it, so it is not "not verified".
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class PhaseBound:
    """At most ``max_examples`` cases per (operation, phase); the rest are counted, not generated."""

    def __init__(self, max_examples: int) -> None:
        self.max_examples = max_examples
        self._sent: Counter[tuple[str, str]] = Counter()
        self.held_back: Counter[str] = Counter()
        self._lock = threading.Lock()

    def admits(self, operation: str, phase: str) -> bool:
        """Count one case of ``operation`` in ``phase``; whether it is within the bound."""
        with self._lock:
            if self._sent[(operation, phase)] >= self.max_examples:
                self.held_back[phase] += 1
                return False
            self._sent[(operation, phase)] += 1
            return True

    def install(self, schema: Any) -> None:
        """Register the bound on ``schema`` as its ``filter_case`` hook (schemathesis finds a hook
        by its function's name, so it is a plain function, not this object's method)."""

        def filter_case(context: Any, case: Any) -> bool:
            meta = getattr(case, "meta", None)
            phase = getattr(getattr(meta, "phase", None), "name", None)
            return self.admits(case.operation.label, str(phase or "unknown"))

        schema.hook(filter_case)

    def notes(self) -> list[str]:
        """One line per phase the bound cut, for the summary."""
        return [
            f"{phase}: {count} case(s) beyond --max-examples {self.max_examples} per operation not sent"
            for phase, count in sorted(self.held_back.items())
        ]
