"""The human report (``report.md``): verdict, what was not verified and why, what ran, the upgrade
workflow (each followed task's polls and subtasks), the grid of checks, every finding with its
reproduction, what the safety guard kept back, and warnings."""

from __future__ import annotations

from collections import Counter

from contracts.ocp import TERMINAL_SUBTASK
from contracts.run.reporting.junit import finding_text, operation_for
from contracts.run.reporting.redaction import Redactor
from contracts.run.runner import RunResult

_VERDICT = {
    0: "the target honours the contract",
    1: "contract violations",
    2: "the run could not complete",
    3: "incomplete: no violation found, but not everything asked for was verified",
    130: "interrupted by SIGINT (partial results)",
    143: "interrupted by SIGTERM (partial results)",
    141: "stopped: stdout was closed (partial results)",
}


def _verdict(result: RunResult) -> str:
    """The verdict in words, scoped by what the run exercised."""
    grid, code = result.coverage, result.exit_code
    if grid is None or code not in (0, 1, 3):
        return _VERDICT[code]
    if code == 0 and not grid.complete:
        return f"every answer conforms, within its scope: {grid.summary()}"
    return f"{_VERDICT[code]}; {grid.summary()}"


def _header(result: RunResult) -> list[str]:
    config = result.config
    return [
        "# OCP contract run",
        "",
        f"**Verdict: {_verdict(result)}** (exit {result.exit_code})",
        "",
        f"- target: {result.target}",
        f"- safety: {result.mode}",
        f"- seed: {result.seed} (rerun with `--seed {result.seed}`)",
        f"- phases: {', '.join(config.phases)}; max examples {config.max_examples}; workers {config.workers}",
        f"- {result.results.total_cases} cases in {result.elapsed:.1f} s "
        f"({result.cases_per_second:.0f} cases/s)",
        *([f"- problem: {result.problem}"] if result.problem else []),
        *(f"- note: {note}" for note in result.results.notes),
        *(f"- skipped: {phase}: {why}" for phase, why in result.results.skipped.items()),
        "",
        *_not_verified(result),
    ]


def _not_verified(result: RunResult) -> list[str]:
    incomplete = result.results.incomplete
    if not incomplete:
        return []
    return ["## Not verified", "", *(f"- {what}" for what in incomplete), ""]


def _workflow(result: RunResult) -> list[str]:
    tasks = result.results.tasks
    if not tasks:
        return []
    lines = [
        "## Upgrade workflow",
        "",
        "| task | what | final status | polls | subtasks done | seconds |",
        "|---:|---|---|---|---:|---:|",
    ]
    for task in tasks:
        done = sum(1 for status in task.subtasks.values() if status in TERMINAL_SUBTASK)
        lines.append(
            f"| {task.task_id} | {task.title} | {task.status} | {task.poll_trail()} | "
            f"{done}/{len(task.subtasks)} | {task.seconds:.0f} |"
        )
    for task in tasks:
        if task.finished:
            lines += ["", f"Task {task.task_id}: {task.outcome()}."]
        if task.failed_subtask and task.message:
            lines += ["", f"Subtask {task.failed_subtask} said: {task.message}"]
        lines += ["", f"Subtasks of task {task.task_id} (last poll):", ""]
        lines += [f"- {name}: {status}" for name, status in task.subtasks.items()]
    return [*lines, ""]


def _drills(result: RunResult) -> list[str]:
    drills = result.results.drills
    if not drills:
        return []
    lines = [
        "## Drills of the failure path",
        "",
        "| drill | task | what it did | outcome |",
        "|---|---:|---|---|",
    ]
    for drill in drills:
        outcome = drill.outcome if drill.exercised else f"not exercised: {drill.why_not}"
        task = "" if drill.task_id is None else str(drill.task_id)
        lines.append(f"| {drill.name} | {task} | {' → '.join(drill.steps)} | {outcome} |")
    return [*lines, ""]


def _coverage(result: RunResult) -> list[str]:
    grid = result.coverage
    if grid is None:
        return []
    lines = [
        "## Coverage",
        "",
        f"{grid.summary()}.",
        "",
        "| operation | status | answers |",
        "|---|---|---|",
    ]
    for cell in grid.cells:
        status = cell.status if cell.documented else f"{cell.status} (undocumented)"
        said = str(cell.count) if cell.exercised else f"not exercised ({cell.reason})"
        lines.append(f"| {cell.operation_id} | {status} | {said} |")
    return [*lines, ""]


def _grid(result: RunResult) -> list[str]:
    lines = [
        "## Checks by operation",
        "",
        "| operation | check | passed | failed | rules |",
        "|---|---|---:|---:|---|",
    ]
    for (operation, check), cell in sorted(result.results.cells.items()):
        rules = ", ".join(sorted({r for f in cell.findings for r in f.rules}))
        lines.append(f"| {operation} | {check} | {cell.passed} | {cell.failed} | {rules} |")
    return [*lines, ""]


def _findings(result: RunResult) -> list[str]:
    findings = result.results.findings
    if not findings:
        return []
    lines = ["## Findings", ""]
    for finding in findings:
        lines += [
            f"### {finding.operation} · {finding.check} · {', '.join(finding.rules)}",
            "",
            "```text",
            finding_text(finding),
            "```",
            "",
        ]
    return lines


def _blocked(result: RunResult) -> list[str]:
    if not result.blocked:
        return []
    counts = Counter((operation_for(b.url), b.reason, b.where) for b in result.blocked)
    lines = [
        "## Kept back by the safety guard (not sent, counted as skipped)",
        "",
        "| operation | why | where | requests |",
        "|---|---|---|---:|",
    ]
    lines += [f"| {op} | {why} | {where} | {n} |" for (op, why, where), n in sorted(counts.items())]
    return [*lines, ""]


def _warnings(result: RunResult) -> list[str]:
    if not result.results.warnings:
        return []
    lines = [
        "## Warnings (not failures; undocumented properties fail with `--strict`)",
        "",
        "| operation | rule | times |",
        "|---|---|---:|",
    ]
    lines += [f"| {op} | {rule} | {n} |" for (op, rule), n in sorted(result.results.warnings.items())]
    return [*lines, ""]


def _errors(result: RunResult) -> list[str]:
    errors = [*result.results.network_errors, *result.results.errors]
    return ["## Errors", "", *(f"- {e}" for e in errors), ""] if errors else []


def render(result: RunResult, scrub: Redactor) -> bytes:
    """The Markdown report of a run."""
    sections = [_header, _workflow, _drills, _coverage, _grid, _findings, _blocked, _warnings, _errors]
    text = "\n".join(line for section in sections for line in section(result))
    return scrub(text).encode("utf-8")
