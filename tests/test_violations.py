"""Violations: rendering, ordering and the description of actual values."""

from __future__ import annotations

import pytest

from contracts.violations import Severity, Violation, describe, sort_violations


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("DONE", '"DONE"', id="string"),
        pytest.param({"b": 1, "a": [True, None]}, '{"a": [true, null], "b": 1}', id="object-sorted"),
        pytest.param(float("nan"), "NaN", id="nan"),
        pytest.param(10**5000, "an integer of about 5001 digits", id="integer-too-long-for-str"),
        pytest.param("x" * 500, '"' + "x" * 118 + "…", id="cut"),
    ],
)
def test_describe(value: object, expected: str) -> None:
    assert describe(value) == expected


def test_render_says_what_where_expected_actual_spec_and_hint() -> None:
    violation = Violation(
        "dag.self-loop",
        "/data/subtasks/0/upstreams/0",
        "subtask 1 lists itself",
        expected="other subtasks",
        actual="1",
        spec="#/x",
        hint="drop it",
    )
    assert violation.render().splitlines() == [
        "error: [dag.self-loop] subtask 1 lists itself",
        "  at:       /data/subtasks/0/upstreams/0",
        "  expected: other subtasks",
        "  actual:   1",
        "  spec:     #/x",
        "  hint:     drop it",
    ]


def test_errors_sort_before_warnings_then_by_pointer_and_duplicates_go() -> None:
    warning = Violation("dag.start-node", "/a", "m", severity=Severity.WARNING)
    late, early = Violation("r", "/b", "m"), Violation("r", "/a", "m")
    assert sort_violations([warning, late, early, late]) == [early, late, warning]
    assert warning.under("/data").pointer == "/data/a"
