"""``summary.json`` in ``--report-dir``: the run's verdict as data, for dashboards and scripts.

One JSON object, the same facts the console summary, ``report.md`` and JUnit show: the verdict
(word, exit code and line), the target, seed and phases, the cases per phase, the coverage when
the run measured one, every stored violation with its rule id, JSON pointer, operation, check
and phase, the rule counts, the warnings, and what was not verified. Its keys are a fixed
interface (``version`` changes when one is removed or changes meaning); every text passes the
run's :class:`Redactor`, as every other report does.
"""

from __future__ import annotations

import json
from typing import Any

from contracts.run.reporting.redaction import Redactor
from contracts.run.reporting.verdicts import verdict_line, verdict_word
from contracts.run.runner import RunResult

#: The format of ``summary.json``; bumped when a key is removed or changes meaning.
SUMMARY_VERSION = 1
FILE_NAME = "summary.json"


def _coverage(result: RunResult) -> Any:
    """The run's coverage grid as data, when the run measured one; else ``None``."""
    return result.coverage.to_dict() if result.coverage is not None else None


def summarise(result: RunResult) -> dict[str, Any]:
    """The summary of ``result`` as plain data (not yet redacted)."""
    results = result.results
    config = result.config
    violations = [
        {
            **violation.to_dict(),
            "operation": finding.operation,
            "check": finding.check,
            "phase": finding.phase,
            "reproduce": finding.curl,
        }
        for finding in results.findings
        for violation in finding.violations
    ]
    return {
        "version": SUMMARY_VERSION,
        "verdict": verdict_word(result.exit_code),
        "exitCode": result.exit_code,
        "verdictLine": verdict_line(result.exit_code, result.coverage),
        "target": result.target,
        "mode": result.mode,
        "ocpVersion": config.ocp_version or "latest",
        "seed": result.seed,
        "phases": list(config.phases),
        "maxExamples": config.max_examples,
        "elapsedSeconds": round(result.elapsed, 3),
        "cases": dict(sorted(results.cases.items())),
        "coverage": _coverage(result),
        "failedChecks": results.failure_count,
        "ruleCounts": dict(sorted(results.rule_counts().items())),
        "violations": violations,
        "warnings": [
            {"operation": operation, "rule": rule, "count": count}
            for (operation, rule), count in sorted(results.warnings.items())
        ],
        "notVerified": list(results.incomplete),
        "problem": result.problem,
        "notes": list(results.notes),
        "skippedPhases": dict(results.skipped),
        "keptBack": len(result.blocked),
    }


def _scrubbed(data: Any, scrub: Redactor) -> Any:
    """``data`` with every string (keys included) passed through ``scrub``, before JSON escapes
    could hide a secret from it; iterative, so no nesting is too deep."""
    root: list[Any] = [data]
    stack: list[tuple[Any, Any]] = [(root, 0)]
    while stack:
        parent, key = stack.pop()
        value = parent[key]
        if isinstance(value, str):
            parent[key] = scrub(value)
        elif isinstance(value, dict):
            copy = {scrub(k) if isinstance(k, str) else k: v for k, v in value.items()}
            parent[key] = copy
            stack.extend((copy, k) for k in copy)
        elif isinstance(value, list):
            items = list(value)
            parent[key] = items
            stack.extend((items, i) for i in range(len(items)))
    return root[0]


def render(result: RunResult, scrub: Redactor) -> bytes:
    """``summary.json``'s bytes: the summary, every string scrubbed of the run's secrets."""
    text = json.dumps(_scrubbed(summarise(result), scrub), indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")
