"""The verdict of a run in words, by exit code: the console's last line, JUnit's ``verdict``
property and ``summary.json``'s ``verdictLine`` say the same thing, from this one table.

Given the run's coverage, a verdict about the target (exit 0, 1, 3) is scoped by what the run
exercised: "N of M operations exercised", naming the others. A run that exercised a fraction of
the spec never says the target honours the contract, only that every answer it saw conforms.
"""

from __future__ import annotations

from contracts.run.judging.coverage import Coverage

VERDICTS = {
    0: "OK: the target honours the contract (exit 0)",
    1: "FAILED: contract violations (exit 1)",
    2: "ERROR: the run could not complete (exit 2)",
    3: "INCOMPLETE: no violation found, but not everything asked for was verified (exit 3)",
    130: "INTERRUPTED by SIGINT: partial results (exit 130)",
    143: "INTERRUPTED by SIGTERM: partial results (exit 143)",
    141: "STOPPED: stdout was closed (exit 141)",
}


def verdict_line(exit_code: int, coverage: Coverage | None = None) -> str:
    """The verdict of ``exit_code`` (an unknown code is an error), scoped by ``coverage``."""
    line = VERDICTS.get(exit_code, f"ERROR: exit {exit_code}")
    if coverage is None or exit_code not in (0, 1, 3):
        return line  # an error or a signal: the run, not the target, is the news
    if exit_code == 0 and not coverage.complete:
        return f"OK within its scope: every answer conforms; {coverage.summary()} (exit 0)"
    return line.replace(f" (exit {exit_code})", f"; {coverage.summary()} (exit {exit_code})")


def verdict_word(exit_code: int) -> str:
    """``OK``, ``FAILED``, ``ERROR``, ``INCOMPLETE``, ``INTERRUPTED`` or ``STOPPED``."""
    return verdict_line(exit_code).split(":", 1)[0].split(" ", 1)[0]
