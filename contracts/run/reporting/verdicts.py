"""The verdict of a run in words, by exit code: the console's last line, JUnit's ``verdict``
property and ``summary.json``'s ``verdictLine`` say the same thing, from this one table."""

from __future__ import annotations

VERDICTS = {
    0: "OK: the target honours the contract (exit 0)",
    1: "FAILED: contract violations (exit 1)",
    2: "ERROR: the run could not complete (exit 2)",
    3: "INCOMPLETE: no violation found, but not everything asked for was verified (exit 3)",
    130: "INTERRUPTED by SIGINT: partial results (exit 130)",
    143: "INTERRUPTED by SIGTERM: partial results (exit 143)",
    141: "STOPPED: stdout was closed (exit 141)",
}


def verdict_line(exit_code: int) -> str:
    """The verdict of ``exit_code`` (an unknown code is an error)."""
    return VERDICTS.get(exit_code, f"ERROR: exit {exit_code}")


def verdict_word(exit_code: int) -> str:
    """``OK``, ``FAILED``, ``ERROR``, ``INCOMPLETE``, ``INTERRUPTED`` or ``STOPPED``."""
    return verdict_line(exit_code).split(":", 1)[0].split(" ", 1)[0]
