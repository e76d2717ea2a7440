"""The semantic rules over the payload files under ``tests/data``.

The documented sample must pass every rule. Each ``tests/data/invalid/<case>.json`` lists the
exact ``(rule, pointer)`` pairs of the whole validator; here only the pairs of the semantic
rules (``dag.``, ``state.``, ``agreement.``), run on ``body["data"]`` and prefixed with
``/data``, are compared — for every successful upgrade response among the cases, so a case
written for another rule proves these rules stay silent on it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts.rules import check_agreement, check_dag, check_state

DATA = Path(__file__).parent.parent / "data"
CASES = sorted((DATA / "invalid").glob("*.json"))
PREFIXES = ("dag.", "state.", "agreement.")
RULES = {
    "dag.duplicate-id", "dag.dangling-upstream", "dag.dangling-downstream", "dag.asymmetric-edge",
    "dag.self-loop", "dag.cycle", "dag.start-node", "dag.finish-node",
    "state.upstream-not-successful", "state.task-successful-unfinished-subtask",
    "state.task-failed-without-failed-subtask", "state.task-failed-with-running-subtask",
    "state.finish-before-start", "state.running-task-all-terminal", "state.terminal-task-without-finish-time",
    "agreement.target-mismatch",
}  # fmt: skip


def _expectation(case: Path) -> dict[str, Any]:
    return dict(yaml.safe_load(case.with_suffix("").with_suffix(".expect.yaml").read_text()))


def _semantic_pairs(body: Any, requested: list[int] | None) -> list[tuple[str, str]]:
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        return []
    found = [*check_dag(data), *check_state(data)]
    if requested is not None:
        found += check_agreement(data, requested)
    return sorted((v.rule, "/data" + v.pointer) for v in found)


def test_documented_sample_passes_every_semantic_rule() -> None:
    body = json.loads((DATA / "documented-sample.json").read_text())
    assert _semantic_pairs(body, [2]) == []


def _successful_upgrade(case: Path) -> bool:
    """Whether the driver runs the semantic rules on the case (a 2xx answer to the upgrade)."""
    expect, body = _expectation(case), json.loads(case.read_text())
    status = expect.get("http_status") or (body.get("status") if isinstance(body, dict) else None)
    return expect.get("operation", "upgrade") == "upgrade" and isinstance(status, int) and 200 <= status < 300


UPGRADE_CASES = [case for case in CASES if _successful_upgrade(case)]


@pytest.mark.parametrize("case", UPGRADE_CASES, ids=[case.stem for case in UPGRADE_CASES])
def test_semantic_rules_yield_the_expected_pairs(case: Path) -> None:
    expect = _expectation(case)
    wanted = sorted((v["rule"], v["pointer"]) for v in expect["violations"] if v["rule"].startswith(PREFIXES))
    body = json.loads(case.read_text())
    assert _semantic_pairs(body, expect.get("request_obproxy_ids")) == wanted


def test_every_semantic_rule_has_a_case() -> None:
    covered = {v["rule"] for case in CASES for v in _expectation(case)["violations"]}
    assert sorted(RULES - covered) == []
