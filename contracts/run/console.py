"""What the run prints: progress while it runs, a summary at the end (with cases per second), and
the one line of an exit 2 — every line through the run's :class:`Redactor`."""

from __future__ import annotations

import time
from collections import Counter
from typing import TextIO

from schemathesis.engine import events

from contracts.run.checks import operation_names
from contracts.run.config import RunConfig
from contracts.run.profile import run_profile
from contracts.run.redaction import Redactor
from contracts.run.report_junit import operation_for
from contracts.run.results import Results
from contracts.run.runner import RunResult

#: Findings printed in the summary; the reports hold them all.
SHOWN_FINDINGS = 8
_ENGINE_PHASES = {"examples", "coverage", "fuzzing", "stateful"}


class Progress:
    """Prints one line per phase as it ends: cases, failures, seconds."""

    def __init__(self, results: Results, out: TextIO, scrub: Redactor) -> None:
        self.results = results
        self.out = out
        self.scrub = scrub
        self._started: dict[str, float] = {}
        self._operations = operation_names()

    def say(self, text: str) -> None:
        print(self.scrub(text), file=self.out, flush=True)

    def phase_started(self, phase: str) -> None:
        self._started[phase] = time.perf_counter()

    def phase_finished(self, phase: str, *, skipped: bool = False) -> None:
        seconds = time.perf_counter() - self._started.pop(phase, time.perf_counter())
        if skipped:
            self.say(f"  {phase:<9} skipped")
            return
        cases, failed = self.results.cases[phase], self.results.failures_by_phase[phase]
        self.say(f"  {phase:<9} {cases:>5} cases  {failed:>4} failed  {seconds:6.1f} s")

    def scenario_finished(self, event: events.ScenarioFinished) -> None:
        """One line per operation as a phase finishes it, so a long live run shows progress."""
        if event.label is None or event.phase.value not in _ENGINE_PHASES:
            return
        recorder = event.recorder
        cases = sum(1 for i in recorder.interactions.values() if i.response is not None)
        failed = len(recorder.failing_case_ids())
        operation = self._operations.get(event.label, event.label)
        self.say(f"    {event.phase.value} · {operation}: {cases} cases, {failed} failed")

    def on_event(self, event: events.EngineEvent) -> None:
        """Engine events → progress lines (only the testing phases)."""
        if isinstance(event, events.ScenarioFinished):
            self.scenario_finished(event)
        elif isinstance(event, events.PhaseStarted) and event.phase.name.value in _ENGINE_PHASES:
            self.phase_started(event.phase.name.value)
        elif isinstance(event, events.PhaseFinished) and event.phase.name.value in _ENGINE_PHASES:
            name = event.phase.name.value
            if name in self._started:
                self.phase_finished(name, skipped=not event.phase.is_enabled)


def banner(config: RunConfig, target: str, mode: str, scrub: Redactor) -> str:
    """What is about to run, where, and how safely."""
    seed = config.seed if config.seed is not None else "random (printed at the end)"
    lines = [
        f"ocp-contract run: {target}",
        f"  safety: {mode}" + (f" ({config.target})" if config.allow_upgrade and config.target else ""),
        f"  seed {seed}, max examples {config.max_examples}, workers {config.workers}, "
        f"phases {', '.join(config.phases)}",
    ]
    if config.ocp_version is not None:
        lines.append(f"  holds the target to {run_profile(config.ocp_version).describe()}")
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
    return [f"  kept back by the safety guard (not sent, skipped): {len(result.blocked)} ({counts})"]


def summary(result: RunResult) -> list[str]:
    """The closing lines: findings, skipped, warnings, throughput and the verdict."""
    results = result.results
    lines = _finding_lines(result) + _blocked_lines(result)
    lines += [f"  note: {note}" for note in dict.fromkeys(results.notes)]
    if results.warnings:
        by_rule: Counter[str] = Counter()
        for (_, rule), n in results.warnings.items():
            by_rule[rule] += n
        top = ", ".join(f"{rule} ×{n}" for rule, n in by_rule.most_common(3))
        lines.append(f"  warnings (not failures): {top}")
    lines.append(
        f"  {results.total_cases} cases in {result.elapsed:.1f} s ({result.cases_per_second:.0f} cases/s); "
        f"{results.failure_count} failed checks; seed {result.seed}"
    )
    verdict = {
        0: "OK: the target honours the contract",
        1: "FAILED: contract violations (exit 1)",
        2: "ERROR: the run could not complete (exit 2)",
    }[result.exit_code]
    lines.append(verdict)
    return lines
