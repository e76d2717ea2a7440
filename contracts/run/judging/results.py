"""What a run found, independent of where it came from (schemathesis phases or the workflow).

The unit of the reports is a **cell**: one operation (``upgrade``, ``task``, ``tasks``) and one
check (``ocp_contract``, a built-in such as ``positive_data_acceptance``, …). A cell counts the
exchanges that passed and failed it, and keeps each distinct :class:`Finding` — the rules broken,
where, and a curl to reproduce it (credentials masked). JUnit writes one test case per cell.

Besides the cells, a run keeps what decides its verdict when nothing was violated: what was asked
for but not verified (``incomplete``, exit 3), what the target said does not exist (``unusable``,
exit 2), the tasks the workflow followed (:class:`TaskReport`) and the signal that interrupted it.

:class:`Results` is filled from several threads (the engine's workers record through the event
loop, one thread) and read once the run is over.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from itertools import groupby

from contracts.ocp import FAILED, TERMINAL_SUBTASK, TERMINAL_TASK
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


@dataclass
class TaskReport:
    """One task the workflow followed: every poll's status, each subtask's last status, the time taken.

    ``asked`` is a task the user asked for (``--task-id``, or the upgrade of the named live target);
    only such a task left unfinished, FAILED or rolled back makes the run incomplete.
    """

    task_id: int
    title: str
    asked: bool = False
    polls: list[str] = field(default_factory=list)
    subtasks: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    failed_subtask: str | None = None
    failed_subtask_id: int | None = None
    message: str | None = None
    rolled_back: bool = False
    #: The failing subtask's log (its last line), or why it was not read.
    log: str | None = None
    #: What the servers report after the task ended: the version they all run, ``"unchanged"``
    #: (each kept its version), or ``None`` when they were not read.
    servers: str | None = None
    #: The package an upgrade installs, named when the servers' versions could not be read.
    package: str | None = None
    #: The one version every named server reports after the task, when they agree.
    version: str | None = None

    @property
    def status(self) -> str:
        return self.polls[-1] if self.polls else "not read"

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_TASK

    @property
    def progress(self) -> str:
        """``RUNNING, 3/7 subtasks done``."""
        done = sum(1 for status in self.subtasks.values() if status in TERMINAL_SUBTASK)
        return f"{self.status}, {done}/{len(self.subtasks)} subtasks done"

    def poll_trail(self) -> str:
        """Every poll's status in order, runs collapsed: ``RUNNING ×4 → FAILED ×3``."""
        runs = [(status, sum(1 for _ in group)) for status, group in groupby(self.polls)]
        return " → ".join(f"{status} ×{n}" if n != 1 else status for status, n in runs) or "none"

    def outcome(self) -> str:
        """The task's end in words: ``upgraded to X``, ``rolled back, servers unchanged``,
        ``failed at step Y (log: …)``; a rollback is never called an upgrade."""
        if self.status == FAILED:
            step = self.failed_subtask or "an unnamed step"
            return f"failed at step {step} (log: {self.log or 'not read'})"
        if not self.finished:
            return f"not finished: last seen {self.progress}"
        if self.rolled_back:
            servers = {None: "servers not read", "unchanged": "servers unchanged"}.get(
                self.servers, f"but servers report {self.servers}"
            )
            return f"rolled back, {servers}"
        if self.version is not None:
            again = " (they ran it before)" if self.servers == "unchanged" else ""
            return f"upgraded to {self.version}{again}"
        if self.servers is not None:
            return f"ended SUCCESSFUL, but the servers report {self.servers}"
        if self.package:
            return f"upgraded to {self.package} (servers' versions not read)"
        return "ended SUCCESSFUL"

    def problem(self) -> str | None:
        """Why this task does not verify what was asked of it, or ``None``."""
        if self.status == FAILED:
            where = f" at subtask {self.failed_subtask}" if self.failed_subtask else ""
            said = f": {self.message}" if self.message else ""
            return f"task {self.task_id} ({self.title}) ended FAILED{where}{said}"
        if self.rolled_back:
            return f"task {self.task_id} ({self.title}) was rolled back"
        if not self.finished:
            return f"task {self.task_id} ({self.title}) did not finish: last seen {self.progress}"
        return None


@dataclass
class DrillReport:
    """One drill of the failure path: what it did, step by step, and how it left the servers."""

    name: str
    task_id: int | None = None
    steps: list[str] = field(default_factory=list)
    #: Whether its control call was accepted and followed; else ``why_not`` says why.
    exercised: bool = False
    why_not: str | None = None
    outcome: str = "not run"

    def line(self) -> str:
        """``retry (task 33160): FAILED (cancelled subtask 50012) → retried → upgraded to 4.2.3.0``."""
        task = f" (task {self.task_id})" if self.task_id is not None else ""
        trail = " → ".join([*self.steps, self.outcome])
        return f"{self.name}{task}: {trail}" + ("" if self.exercised else f" — not exercised: {self.why_not}")


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
        #: What was asked for and not verified, and why (exit 3 when nothing was violated).
        self.incomplete: list[str] = []
        #: What the target says does not exist although the user named it (exit 2).
        self.unusable: list[str] = []
        self.tasks: list[TaskReport] = []
        #: Judged answers by (operationId, HTTP status): the coverage grid.
        self.exchanged: Counter[tuple[str, int]] = Counter()
        #: The drills of the failure path, in the order they ran.
        self.drills: list[DrillReport] = []
        #: Whether an upgrade reached SUCCESSFUL (not a rollback) with the servers' new version read.
        self.success_path = False
        #: Why an operation was not exercised where the run knows better than "not reached"
        #: (a probe that could not be made), by operationId.
        self.unexercised: dict[str, str] = {}
        #: Phases that did not run, and why.
        self.skipped: dict[str, str] = {}
        #: The signal (``SIGINT``, ``SIGTERM``) that ended the run early, or ``None``.
        self.interrupted: str | None = None
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

    def count_exchange(self, operation_id: str, status: int) -> None:
        """One judged answer of ``operation_id`` with HTTP ``status`` (the coverage grid)."""
        with self._lock:
            self.exchanged[(operation_id, status)] += 1

    def error(self, text: str) -> None:
        with self._lock:
            if text not in self.errors:
                self.errors.append(text)

    def network_error(self, text: str) -> None:
        with self._lock:
            if text not in self.network_errors:
                self.network_errors.append(text)

    def not_verified(self, text: str) -> None:
        """Something asked for was not verified: ``text`` says what and why."""
        with self._lock:
            if text not in self.incomplete:
                self.incomplete.append(text)

    def does_not_exist(self, text: str) -> None:
        with self._lock:
            if text not in self.unusable:
                self.unusable.append(text)

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
