"""What the run prints: progress while it runs, a summary at the end (with cases per second), and
the one line of an exit 2 — every line through the run's :class:`Redactor`.

The verdict is the summary's last line, one of :data:`VERDICTS`; before it the summary lists what
was not verified and why (exit 3), the tasks the workflow followed, and the phases skipped with
their reason. ``--quiet`` keeps the progress lines back, never the summary.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import TextIO

from schemathesis.engine import events

from contracts.run.config import RunConfig
from contracts.run.judging.checks import operation_names
from contracts.run.judging.results import Results
from contracts.run.phases.collect import skip_reason
from contracts.run.profile import RunProfile, run_profile
from contracts.run.reporting.junit import operation_for
from contracts.run.reporting.redaction import Redactor
from contracts.run.reporting.verdicts import verdict_line
from contracts.run.runner import RunResult
from contracts.terminal import Lines


def plural(n: int, word: str) -> str:
    """``1 case``, ``2 cases``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


#: Findings printed in the summary; the reports hold them all.
SHOWN_FINDINGS = 8
_ENGINE_PHASES = {"examples", "coverage", "fuzzing", "stateful"}


class Progress:
    """Prints one line per phase as it ends: cases, failures, seconds."""

    def __init__(
        self,
        results: Results,
        out: TextIO | Lines,
        scrub: Redactor,
        *,
        quiet: bool = False,
        live: bool = False,
    ) -> None:
        self.results = results
        self.out = out if isinstance(out, Lines) else Lines(out)
        self.scrub = scrub
        self.quiet = quiet
        self.live = live
        self._started: dict[str, float] = {}
        self._operations = operation_names()

    def say(self, text: str) -> None:
        self.out(self.scrub(text))

    def progress(self, text: str) -> None:
        """A line while the run goes on (polls, 429 waits, phases); ``--quiet`` keeps it back."""
        if not self.quiet:
            self.say(text)

    def phase_started(self, phase: str) -> None:
        self._started[phase] = time.perf_counter()

    def phase_finished(self, phase: str, *, skipped: bool = False, reason: str | None = None) -> None:
        seconds = time.perf_counter() - self._started.pop(phase, time.perf_counter())
        if skipped:
            self.progress(f"  {phase:<9} skipped: {reason or 'not run'}")
            return
        cases, failed = self.results.cases[phase], self.results.failures_by_phase[phase]
        self.progress(f"  {phase:<9} {plural(cases, 'case'):>11}  {failed:>4} failed  {seconds:6.1f} s")

    def scenario_finished(self, event: events.ScenarioFinished) -> None:
        """One line per operation as a phase finishes it, so a long live run shows progress."""
        if event.label is None or event.phase.value not in _ENGINE_PHASES:
            return
        recorder = event.recorder
        cases = sum(1 for i in recorder.interactions.values() if i.response is not None)
        failed = len(recorder.failing_case_ids())
        operation = self._operations.get(event.label, event.label)
        self.progress(f"    {event.phase.value} · {operation}: {plural(cases, 'case')}, {failed} failed")

    def on_event(self, event: events.EngineEvent) -> None:
        """Engine events → progress lines (only the testing phases)."""
        if isinstance(event, events.ScenarioFinished):
            self.scenario_finished(event)
        elif isinstance(event, events.PhaseStarted) and event.phase.name.value in _ENGINE_PHASES:
            self.phase_started(event.phase.name.value)
        elif isinstance(event, events.PhaseFinished) and event.phase.name.value in _ENGINE_PHASES:
            name = event.phase.name.value
            if name in self._started:
                reason = event.phase.skip_reason.value if event.phase.skip_reason else None
                skipped = not event.phase.is_enabled
                why = skip_reason(name, reason, live=self.live) if skipped else None
                self.phase_finished(name, skipped=skipped, reason=why)


def banner(
    config: RunConfig, target: str, mode: str, scrub: Redactor, profile: RunProfile | None = None
) -> str:
    """What is about to run, where, and how safely."""
    seed = config.seed if config.seed is not None else "random (printed at the end)"
    lines = [
        f"ocp-contract run: {target}",
        f"  safety: {mode}" + (f" ({config.target})" if config.allow_upgrade and config.target else ""),
        f"  seed {seed}, max examples {config.max_examples}, workers {config.workers}, "
        f"phases {', '.join(config.phases)}",
    ]
    if config.ocp_version is not None:
        chosen = profile if profile is not None else run_profile(config.ocp_version)
        lines.append(f"  holds the target to {chosen.describe()}")
    if config.insecure:
        lines.append("  TLS verification is OFF (--insecure)")
    return scrub("\n".join(lines))


def _finding_lines(result: RunResult) -> list[str]:
    lines: list[str] = []
    for finding in result.results.findings[:SHOWN_FINDINGS]:
        lines.append(f"  ✗ {finding.operation} · {finding.check} · {finding.phase}: {finding.title}")
        for violation in finding.violations[:3]:
            where = violation.pointer or "/"
            expected, actual = violation.expected or "—", violation.actual or "—"
            lines.append(f"      [{violation.rule}] at {where}: expected {expected}; actual {actual}")
    hidden = len(result.results.findings) - SHOWN_FINDINGS
    if hidden > 0:
        lines.append(f"  … {hidden} more findings in the reports")
    return lines


def _blocked_lines(result: RunResult) -> list[str]:
    if not result.blocked:
        return []
    by_operation: dict[str, int] = {}
    for request in result.blocked:
        key = operation_for(request.url)
        by_operation[key] = by_operation.get(key, 0) + 1
    counts = ", ".join(f"{op} {n}" for op, n in sorted(by_operation.items()))
    reasons = "; ".join(sorted({request.reason for request in result.blocked}))
    return [
        f"  kept back by the safety guard (not sent, skipped): {len(result.blocked)} ({counts}): {reasons}"
    ]


def workflow_lines(result: RunResult) -> list[str]:
    """Each followed task: id, every poll's status (runs collapsed), subtasks done, time; a FAILED
    task's failing subtask and its message."""
    lines: list[str] = []
    for task in result.results.tasks:
        lines.append(
            f"  task {task.task_id} ({task.title}): {task.progress} after {task.seconds:.0f} s; "
            f"polls: {task.poll_trail()}"
        )
        if task.finished:
            lines.append(f"      outcome: {task.outcome()}")
        if task.failed_subtask and task.message:
            lines.append(f"      subtask {task.failed_subtask} said: {task.message}")
    lines += [f"  drill {drill.line()}" for drill in result.results.drills]
    return lines


def verdict(result: RunResult) -> str:
    """The last line: :data:`VERDICTS`, scoped by what the run exercised ("N of M operations
    exercised", naming the others). A run that exercised a fraction of the spec never says the
    target honours the contract, only that every answer it saw conforms."""
    return verdict_line(result.exit_code, result.coverage)


def coverage_lines(result: RunResult) -> list[str]:
    """The coverage table: operation × documented status, exercised (count) or why not."""
    if result.coverage is None:
        return []
    return ["  coverage (operation, status, answers):", *(f"    {row}" for row in result.coverage.rows())]


def summary(result: RunResult) -> list[str]:
    """The closing lines: findings, the workflow, skipped, what was not verified, warnings,
    throughput and the verdict."""
    results = result.results
    lines = _finding_lines(result) + workflow_lines(result) + _blocked_lines(result) + coverage_lines(result)
    lines += [f"  skipped: {phase}: {why}" for phase, why in results.skipped.items()]
    lines += [f"  note: {note}" for note in dict.fromkeys(results.notes)]
    lines += [f"  not verified: {what}" for what in results.incomplete]
    if results.warnings:
        by_rule: Counter[str] = Counter()
        for (_, rule), n in results.warnings.items():
            by_rule[rule] += n
        top = ", ".join(f"{rule} ×{n}" for rule, n in by_rule.most_common(3))
        lines.append(f"  warnings (not failures): {top}")
    lines.append(
        f"  {plural(results.total_cases, 'case')} in {result.elapsed:.1f} s "
        f"({result.cases_per_second:.0f} cases/s); {plural(results.failure_count, 'failed check')}; "
        f"seed {result.seed}"
    )
    if result.exit_code == 2 and result.problem:
        lines.append(f"  problem: {result.problem}")
    lines.append(verdict(result))
    return lines
