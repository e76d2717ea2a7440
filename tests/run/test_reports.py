"""Reports from a hand-built result: JUnit (one test case per operation and check, rule, pointer,
expected, actual and curl in each failure), Markdown, HAR, the console summary, the scrubber."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from io import StringIO
from pathlib import Path

from contracts.run.config import RunConfig
from contracts.run.judging.results import Finding, Results
from contracts.run.reporting.console import Progress, summary
from contracts.run.reporting.har import render as render_har
from contracts.run.reporting.junit import render as render_junit
from contracts.run.reporting.junit import xml_safe
from contracts.run.reporting.markdown import render as render_markdown
from contracts.run.reporting.redaction import Redactor
from contracts.run.reporting.writer import write_reports
from contracts.run.runner import RunResult
from contracts.run.wire.gate import RecordedExchange
from contracts.run.wire.safety import BlockedRequest
from contracts.violations import Violation

SECRET = "pw-0123456789"
CYCLE = Violation(
    rule="dag.cycle",
    pointer="/data/subtasks/3/downstreams",
    message="a cycle 5001 -> 5002 -> 5001",
    expected="no cycle",
    actual="5001 -> 5002 -> 5001",
    spec="#/components/schemas/TaskInstance",
)
CURL = (
    "curl -X POST 'http://ocp/api/v2/obproxy/clusters/1/obproxies/1/upgrade' \\\n"
    "  -H 'Authorization: Basic ***'"
)


def result(tmp_path: Path | None = None, *, blocked: bool = True) -> RunResult:
    results = Results()
    results.passed("task", "ocp_contract")
    results.failed(Finding("upgrade", "ocp_contract", "examples", "[dag.cycle] a cycle", (CYCLE,), CURL))
    results.failed(Finding("upgrade", "ocp_contract", "workflow", "[dag.cycle] again", (CYCLE,), CURL))
    results.passed("upgrade", "ocp_contract")
    results.count_case("examples", 3)
    results.warnings[("task", "schema.undocumented-property")] += 2
    config = RunConfig(
        username="u", password=SECRET, report_dir=tmp_path, junit_xml=tmp_path / "j.xml" if tmp_path else None
    )
    blocked_requests = (
        (
            BlockedRequest(
                "POST",
                "http://ocp/api/v2/obproxy/clusters/1/obproxies/1/upgrade",
                "could start an upgrade",
                "plan",
            ),
        )
        if blocked
        else ()
    )
    exchange = RecordedExchange(
        1_700_000_000.0,
        0.01,
        "GET",
        f"http://ocp/api/v2/tasks/instances?q={SECRET}",
        {"Authorization": "Basic ***"},
        None,
        200,
        {"Content-Type": "application/json"},
        f'{{"echo": "{SECRET}"}}'.encode(),
    )
    return RunResult(config, "http://ocp", "safe mode", 9, results, blocked_requests, (exchange,), 2.0)


def test_junit_has_one_test_case_per_operation_and_check() -> None:
    root = ET.fromstring(render_junit(result(), Redactor([SECRET])))
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    assert set(cases) == {
        ("ocp-contract.task", "ocp_contract"),
        ("ocp-contract.upgrade", "ocp_contract"),
        ("ocp-contract.upgrade", "safety-guard"),
    }
    failure = cases[("ocp-contract.upgrade", "ocp_contract")].find("failure")
    assert failure is not None and failure.get("type") == "dag.cycle"
    assert "2 of 3 exchanges failed" in (failure.get("message") or "")
    text = failure.text or ""
    for part in (
        "[dag.cycle]",
        "at:       /data/subtasks/3/downstreams",
        "expected: no cycle",
        "actual:   5001 -> 5002 -> 5001",
        "reproduce:",
        "curl -X POST",
    ):
        assert part in text
    assert "[examples]" in text and "[workflow]" not in text, "the same finding is reported once"
    assert cases[("ocp-contract.upgrade", "safety-guard")].find("skipped") is not None
    assert root.get("failures") == "1" and root.get("skipped") == "1"
    verdict = next(p for p in root.iter("property") if p.get("name") == "verdict")
    assert verdict.get("value") == "FAILED: contract violations (exit 1)"


def test_xml_safe_keeps_the_document_parseable() -> None:
    assert xml_safe("a\x00b\ud800c") == "a\\x00b\\xd800c"


def test_markdown_and_har_are_scrubbed() -> None:
    scrub = Redactor([SECRET])
    markdown = render_markdown(result(), scrub).decode()
    assert "**Verdict: contract violations** (exit 1)" in markdown
    assert "| upgrade | ocp_contract | 1 | 2 | dag.cycle |" in markdown
    assert "Kept back by the safety guard" in markdown
    har = json.loads(render_har(result().exchanges, scrub))
    (entry,) = har["log"]["entries"]
    assert entry["request"]["queryString"] == [{"name": "q", "value": "***"}]
    assert SECRET not in json.dumps(har)


def test_reports_are_written_where_asked(tmp_path: Path) -> None:
    written = write_reports(result(tmp_path))
    assert {p.name for p in written} == {"j.xml", "report.md", "junit.xml", "exchanges.har", "summary.json"}
    for path in written:
        assert SECRET not in path.read_text(encoding="utf-8")


def test_the_summary_gives_throughput_and_verdict() -> None:
    lines = summary(result())
    assert any("cases/s" in line and "seed 9" in line for line in lines)
    assert lines[-1] == "FAILED: contract violations (exit 1)"
    assert any("kept back by the safety guard" in line for line in lines)


def test_progress_prints_one_line_per_phase() -> None:
    out = StringIO()
    results = Results()
    progress = Progress(results, out, Redactor([]))
    progress.phase_started("workflow")
    results.count_case("workflow", 12)
    progress.phase_finished("workflow")
    assert "workflow" in out.getvalue() and "12 cases" in out.getvalue()


def test_the_redactor_masks_secrets_and_their_basic_token() -> None:
    scrub = Redactor(["s3cret-pass", "ab"], username="user")
    token = "dXNlcjpzM2NyZXQtcGFzcw=="
    assert scrub(f"x s3cret-pass y {token} ab") == "x *** y *** ab"
    assert scrub.bytes(b"s3cret-pass") == b"***"
