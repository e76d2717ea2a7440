"""What a run found, independent of where it came from (schemathesis phases or the workflow).

The unit of the reports is a **cell**: one operation (``upgrade``, ``task``, ``tasks``) and one
check (``ocp_contract``, a built-in such as ``positive_data_acceptance``, …). A cell counts the
exchanges that passed and failed it, and keeps each distinct :class:`Finding` — the rules broken,
where, and a curl to reproduce it (credentials masked). JUnit writes one test case per cell.

:class:`Results` is filled from several threads (the engine's workers record through the event
loop, one thread) and read once the run is over.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

from contracts.violations import Violation

#: Findings kept per cell; more are counted, not stored.
MAX_FINDINGS_PER_CELL = 25


@dataclass(frozen=True, slots=True)
class Finding:
    """One failed check on one exchange: the violations (errors) and how to reproduce it."""

    operation: str
    check: str
    phase: str
    title: str
    violations: tuple[Violation, ...]
    curl: str = ""

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.rule for v in self.violations))

    @property
    def key(self) -> tuple[str, ...]:
        """Findings with the same rules at the same places are one finding."""
        return tuple(sorted(f"{v.rule}@{v.pointer}" for v in self.violations))


@dataclass
class Cell:
    """The tally of one (operation, check) pair."""

    passed: int = 0
    failed: int = 0
    elapsed: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    _keys: set[tuple[str, ...]] = field(default_factory=set, repr=False)

    def add(self, finding: Finding) -> None:
        self.failed += 1
        if finding.key not in self._keys and len(self.findings) < MAX_FINDINGS_PER_CELL:
            self._keys.add(finding.key)
            self.findings.append(finding)

    @property
    def total(self) -> int:
        return self.passed + self.failed


class Results:
    """The grid of cells, the cases sent, warnings, errors and the reason a run was cut short."""

    def __init__(self) -> None:
        self.cells: dict[tuple[str, str], Cell] = {}
        self.cases: Counter[str] = Counter()
        self.failures_by_phase: Counter[str] = Counter()
        self.warnings: Counter[tuple[str, str]] = Counter()
        self.errors: list[str] = []
        self.network_errors: list[str] = []
        self.aborted: str | None = None
        self.notes: list[str] = []
        self._lock = threading.Lock()

    def cell(self, operation: str, check: str) -> Cell:
        with self._lock:
            return self.cells.setdefault((operation, check), Cell())

    def passed(self, operation: str, check: str, *, elapsed: float = 0.0) -> None:
        cell = self.cell(operation, check)
        with self._lock:
            cell.passed += 1
            cell.elapsed += elapsed

    def failed(self, finding: Finding, *, elapsed: float = 0.0) -> None:
        cell = self.cell(finding.operation, finding.check)
        with self._lock:
            cell.add(finding)
            cell.elapsed += elapsed
            self.failures_by_phase[finding.phase] += 1

    def count_case(self, phase: str, n: int = 1) -> None:
        with self._lock:
            self.cases[phase] += n

    def error(self, text: str) -> None:
        with self._lock:
            if text not in self.errors:
                self.errors.append(text)

    def network_error(self, text: str) -> None:
        with self._lock:
            if text not in self.network_errors:
                self.network_errors.append(text)

    @property
    def total_cases(self) -> int:
        return sum(self.cases.values())

    @property
    def findings(self) -> list[Finding]:
        return [finding for key in sorted(self.cells) for finding in self.cells[key].findings]

    @property
    def failure_count(self) -> int:
        return sum(cell.failed for cell in self.cells.values())

    def rule_counts(self) -> Counter[str]:
        """How many stored findings broke each rule."""
        return Counter(rule for finding in self.findings for rule in finding.rules)
