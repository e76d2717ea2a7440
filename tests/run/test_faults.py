"""Fault proof: the suite catches every named fault of the mock, one at a time, and the faithful
mock passes. Each fault runs in the phase that provokes it (:mod:`contracts.run.fault_table`);
the expected rule must be named in the JUnit XML, under the check that reports it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from contracts.mock import FAULTS
from contracts.run import RunConfig, run_suite
from contracts.run.fault_table import check_for_rule, markdown, proving_phase
from contracts.run.reporting.junit import render
from contracts.run.reporting.redaction import Redactor

pytestmark = pytest.mark.slow  # a whole run per fault; `make test-slow` runs them

FAST = RunConfig(seed=7, max_examples=3)


def _failed_cases(junit: bytes) -> dict[str, str]:
    """``operation/check`` → failure text, for every failed test case."""
    root = ET.fromstring(junit)
    failed = {}
    for case in root.iter("testcase"):
        failure = case.find("failure")
        if failure is not None:
            operation = case.get("classname", "").rsplit(".", 1)[-1]
            failed[f"{operation}/{case.get('name')}"] = f"{failure.get('message')}\n{failure.text}"
    return failed


def test_the_faithful_mock_honours_the_contract_in_every_phase() -> None:
    result = run_suite(FAST)

    assert result.problem is None
    assert result.results.findings == []
    assert result.exit_code == 0


@pytest.mark.parametrize("fault", list(FAULTS))
def test_each_fault_is_caught_by_its_rule(fault: str) -> None:
    expected = FAULTS[fault].expected
    result = run_suite(
        RunConfig(seed=7, max_examples=3, mock_faults=(fault,)).with_phases(proving_phase(fault))
    )

    assert result.exit_code == 1, result.problem
    failed = _failed_cases(render(result, Redactor(())))
    reporting = {key: text for key, text in failed.items() if key.endswith("/" + check_for_rule(expected))}
    assert any(expected in text for text in reporting.values()), f"{expected} not in {sorted(failed)}"


@pytest.mark.parametrize("fault", list(FAULTS))
def test_the_workflow_alone_catches_each_fault(fault: str) -> None:
    """The workflow and its drills (the failure path's faults show only when a run drives it)."""
    phases = ("workflow", "drill") if FAULTS[fault].caught_by == "lifecycle" else ("workflow",)
    result = run_suite(RunConfig(seed=7, mock_faults=(fault,)).with_phases(*phases))

    assert result.exit_code == 1
    assert FAULTS[fault].expected in result.results.rule_counts()


def test_the_table_has_a_row_per_fault() -> None:
    table = markdown()
    for name, fault in FAULTS.items():
        assert f"| `{name}` |" in table
        assert f"`{fault.expected}`" in table
