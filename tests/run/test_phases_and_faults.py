"""``--phases`` chooses the phases, ``--max-examples`` bounds every one of them, and ``--fault``
starts the embedded mock broken, so a user sees a failure without a second terminal."""

from __future__ import annotations

import pytest

from contracts.cli import main
from contracts.run import run_suite
from contracts.run.config import ALL_PHASES, from_options, parse_phases
from contracts.run.phases.bound import PhaseBound
from contracts.violations import UsageError


def test_examples_and_coverage_with_one_example_send_a_few_dozen_requests_at_most() -> None:
    config = from_options({"phases": "examples,coverage", "max_examples": 1, "seed": 1}, {})
    result = run_suite(config)
    assert result.exit_code == 0
    assert 0 < len(result.exchanges) <= 200, len(result.exchanges)  # 141 on the spec of ten operations
    assert result.results.skipped.keys() >= {"fuzzing", "stateful"}
    assert any(
        note.startswith("coverage: ") and "beyond --max-examples 1" in note for note in result.results.notes
    )


def test_the_bound_admits_max_examples_coverage_cases_per_operation_and_kind_and_counts_the_rest() -> None:
    bound = PhaseBound(2)
    admitted = [bound.admits("GET /a", "incorrect_type") for _ in range(5)]
    assert admitted == [True, True, False, False, False]
    assert bound.admits("GET /b", "incorrect_type") and bound.admits("GET /a", "missing_parameter")
    assert all(bound.admits("GET /a", "", "fuzzing") for _ in range(5)), "schemathesis bounds the others"
    assert bound.notes() == ["coverage: 3 case(s) beyond --max-examples 2 per operation and kind not sent"]


def test_the_default_bound_keeps_every_kind_of_coverage_case_the_fault_proof_needs() -> None:
    """A missing body comes last in the upgrade's coverage order: the bound is per kind so that
    even --max-examples 1 still sends it (and a correct OCP's 400 to it is checked)."""
    result = run_suite(from_options({"phases": "coverage", "max_examples": 1, "seed": 7}, {}))
    sent = [e for e in result.exchanges if e.method == "POST" and e.url.endswith("/upgrade")]
    assert any(not e.request_body for e in sent), "the missing-body case was sent"


def test_phases_are_parsed_into_run_order() -> None:
    assert parse_phases(None) == ALL_PHASES
    assert parse_phases("coverage, workflow") == ("workflow", "coverage")


@pytest.mark.parametrize("text", ["", "examples,fuzz", " , "])
def test_an_unknown_phase_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="--phases: expected a comma-separated list of workflow,"):
        parse_phases(text)


def test_an_unknown_phase_on_the_command_line_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run", "--phases", "examples,smoke"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and "'smoke'" in captured.err


def test_run_with_a_fault_starts_the_embedded_mock_broken_and_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run", "--fault", "cycle", "--phases", "workflow", "--seed", "1", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "dag.cycle" in out and out.strip().splitlines()[-1].startswith("FAILED")


def test_an_unknown_fault_exits_2_before_anything_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--fault", "cycles"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "did you mean 'cycle'?" in captured.err


def test_a_fault_is_refused_against_a_live_ocp(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OCP_USERNAME", "u")
    monkeypatch.setenv("OCP_PASSWORD", "p")
    assert main(["run", "--base-url", "http://ocp.example.test:8080", "--fault", "cycle"]) == 2
    assert "--fault breaks the embedded mock" in capsys.readouterr().err
