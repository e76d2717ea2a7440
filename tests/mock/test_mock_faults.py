"""Every named fault breaks the clause it names, and only that one; the faithful mock breaks none."""

from __future__ import annotations

import re

import pytest

from contracts.mock import FAULTS, create_app
from contracts.mock.faults import FaultSet, get_faults
from contracts.violations import UsageError
from tests.mock._probe import explore


def test_there_are_at_least_fifteen_well_described_faults() -> None:
    assert len(FAULTS) >= 15
    for name, fault in FAULTS.items():
        assert fault.name == name and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name)
        assert fault.description and fault.clause and fault.trigger and "\n" not in fault.line()
        assert fault.caught_by in ("validate_response", "check_transition", "http", "lifecycle")
        assert (fault.transform is None) != (fault.quirk is None), name
        assert re.fullmatch(
            r"(schema|envelope|dag|state|agreement|transition|http|control|effect|servers)\.[a-z-]+",
            fault.expected,
        )
        if fault.caught_by == "http":
            assert fault.expected.startswith(("http.", "envelope.content-type"))
        if fault.caught_by == "lifecycle":
            assert fault.expected.startswith(("control.", "effect.", "servers."))


def test_the_faithful_mock_breaks_nothing() -> None:
    assert dict(explore(create_app()).seen) == {}


_LIFECYCLE = [n for n, f in FAULTS.items() if f.caught_by == "lifecycle"]


@pytest.mark.parametrize("name", [n for n in FAULTS if n not in _LIFECYCLE])
def test_each_fault_is_caught_by_the_rule_it_names_and_no_other(name: str) -> None:
    fault = FAULTS[name]
    findings = explore(create_app(faults=(name,)))
    assert fault.expected in findings.ids, f"{name}: expected {fault.expected}, found {sorted(findings.ids)}"
    assert findings.ids <= {fault.expected, *fault.also}, dict(findings.seen)


@pytest.mark.parametrize("name", _LIFECYCLE)
def test_a_failure_path_fault_breaks_nothing_before_a_control_call(name: str) -> None:
    """The failure path's faults show only once a run retries, rolls back, skips or cancels (the
    run's fault proof drives them: ``tests/run/test_faults.py``); upgrades and reads stay faithful."""
    findings = explore(create_app(faults=(name,)))
    assert findings.ids <= set(FAULTS[name].also), dict(findings.seen)


@pytest.mark.parametrize("name", [n for n, f in FAULTS.items() if f.trigger == "any upgrade answer (200)"])
def test_graph_and_agreement_faults_show_on_the_upgrade_answer_itself(name: str) -> None:
    findings = explore(create_app(faults=(name,)))
    assert "POST 1/1,2" in findings.seen[FAULTS[name].expected]


def test_faults_compose() -> None:
    findings = explore(create_app(faults=("cycle", "trace-id-missing", "credentials-ignored")))
    assert {"dag.cycle", "schema.required", "http.auth-ignored"} <= findings.ids


def test_an_unknown_fault_name_suggests_the_closest() -> None:
    with pytest.raises(UsageError, match="unknown fault 'cycles'; did you mean 'cycle'"):
        get_faults(["cycles"])
    assert get_faults(["cycle", "cycle"]) == (FAULTS["cycle"],)
    assert not FaultSet() and FaultSet(get_faults(["cycle"])).names == ("cycle",)
