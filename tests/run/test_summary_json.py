"""``summary.json``: the verdict, the violations with rule ids and pointers, what was not verified —
as data, scrubbed of secrets like every other report."""

from __future__ import annotations

import json
from pathlib import Path

from contracts.run.config import RunConfig
from contracts.run.judging.results import Results
from contracts.run.reporting.redaction import Redactor
from contracts.run.reporting.summary_json import SUMMARY_VERSION, render, summarise
from contracts.run.reporting.verdicts import VERDICTS, verdict_word
from contracts.run.reporting.writer import write_reports
from contracts.run.runner import RunResult
from tests.run.test_reports import SECRET, result


def test_the_summary_names_the_verdict_and_every_violation_with_its_rule_and_pointer() -> None:
    data = json.loads(render(result(), Redactor([SECRET])))
    assert data["version"] == SUMMARY_VERSION
    assert (data["verdict"], data["exitCode"]) == ("FAILED", 1)
    assert data["verdictLine"] == VERDICTS[1]
    assert data["ruleCounts"] == {"dag.cycle": 1}, "the same finding is stored once"
    first = data["violations"][0]
    assert (first["rule"], first["pointer"], first["operation"], first["phase"]) == (
        "dag.cycle",
        "/data/subtasks/3/downstreams",
        "upgrade",
        "examples",
    )
    assert data["warnings"] == [{"operation": "task", "rule": "schema.undocumented-property", "count": 2}]
    assert data["cases"] == {"examples": 3} and data["coverage"] is None


def test_a_secret_is_scrubbed_even_where_json_would_escape_it() -> None:
    secret = 'pa"ss\\word'
    results = Results()
    results.not_verified(f"the server echoed {secret}")
    config = RunConfig(username="u", password=secret)
    run = RunResult(config, "http://ocp", "safe mode", 1, results, (), (), 1.0)
    text = render(run, Redactor([secret])).decode()
    assert 'pa\\"ss' not in text and json.loads(text)["notVerified"] == ["the server echoed ***"]
    assert json.loads(text)["verdict"] == "INCOMPLETE"


def test_every_exit_code_has_one_verdict_word() -> None:
    assert {code: verdict_word(code) for code in VERDICTS} == {
        0: "OK",
        1: "FAILED",
        2: "ERROR",
        3: "INCOMPLETE",
        130: "INTERRUPTED",
        143: "INTERRUPTED",
        141: "STOPPED",
    }
    assert verdict_word(99) == "ERROR"


def test_the_coverage_grid_is_in_the_summary_when_the_run_measured_one() -> None:
    from dataclasses import replace

    from contracts.run.judging.coverage import Coverage, CoverageCell

    grid = Coverage(
        ("getTaskInstance", "upgradeObproxies"),
        (
            CoverageCell("getTaskInstance", "200", 4),
            CoverageCell("upgradeObproxies", "200", 0, "read-only"),
        ),
        {"upgradeObproxies": "read-only"},
    )
    data = summarise(replace(result(), coverage=grid))["coverage"]
    assert data["operations"] == 2
    assert data["exercised"] == ["getTaskInstance"]
    assert data["notExercised"] == {"upgradeObproxies": "read-only"}
    assert data["cells"][1] == {
        "operationId": "upgradeObproxies",
        "status": "200",
        "count": 0,
        "reason": "read-only",
        "documented": True,
    }


def test_the_embedded_run_writes_the_summary_into_the_report_dir(tmp_path: Path) -> None:
    from contracts.run import run_suite

    config = RunConfig(report_dir=tmp_path, max_examples=1, seed=1).with_phases("workflow")
    write_reports(run_suite(config))
    data = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert data["verdict"] == "OK" and data["violations"] == [] and data["phases"] == ["workflow"]
    assert data["coverage"]["operations"] == 10 and "getTaskInstance" in data["coverage"]["exercised"]
