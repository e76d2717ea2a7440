"""One invalid payload per rule, each with its expected (rule, pointer) pairs beside it.

``tests/data/invalid/<case>.json`` holds a whole response envelope; ``<case>.expect.yaml`` the
options it is validated with and the exact violations it must produce — no more, no fewer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from contracts.cli import main
from contracts.validate import validate_response

CASES = sorted((Path(__file__).parent / "data" / "invalid").glob("*.json"))


def _expectation(case: Path) -> dict:
    return yaml.safe_load(case.with_suffix("").with_suffix(".expect.yaml").read_text())


def _options(expect: dict) -> dict:
    return {
        "operation": expect.get("operation", "upgrade"),
        "http_status": expect.get("http_status"),
        "request_obproxy_ids": expect.get("request_obproxy_ids"),
        "strict": expect.get("strict", False),
    }


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_payload_yields_exactly_the_expected_violations(case: Path) -> None:
    expect = _expectation(case)
    violations = validate_response(json.loads(case.read_text()), **_options(expect))
    found = sorted((v.rule, v.pointer) for v in violations)
    assert found == sorted((v["rule"], v["pointer"]) for v in expect["violations"])


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_validate_command_reports_the_case(case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expect = _expectation(case)
    options = _options(expect)
    argv = ["validate", str(case), "--operation", options["operation"], "--format", "json"]
    if options["http_status"] is not None:
        argv += ["--http-status", str(options["http_status"])]
    if options["request_obproxy_ids"] is not None:
        argv += ["--request-obproxy-ids", ",".join(map(str, options["request_obproxy_ids"]))]
    if options["strict"]:
        argv.append("--strict")
    code = main(argv)
    report = json.loads(capsys.readouterr().out)
    expected_errors = any(v["severity"] == "error" for v in report["violations"])
    assert code == (1 if expected_errors else 0)
    assert {(v["rule"], v["pointer"]) for v in report["violations"]} == {
        (v["rule"], v["pointer"]) for v in expect["violations"]
    }


def test_every_rule_of_the_validators_has_a_case() -> None:
    covered = {v["rule"] for case in CASES for v in _expectation(case)["violations"]}
    required = {
        "envelope.status-mismatch",
        "envelope.successful-mismatch",
        "envelope.data-missing",
        "envelope.error-missing",
        "envelope.timestamp-offset",
        "envelope.duration-negative",
        "schema.required",
        "schema.enum",
        "schema.type",
        "schema.undocumented-property",
        "schema.undocumented-status",
    }
    assert required <= covered
