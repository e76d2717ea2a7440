"""The schemathesis configuration a run builds: valid, tuned, and cautious on a live OCP."""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis.config import SchemathesisConfig

from contracts.run.config import RunConfig
from contracts.run.phases.plan import checks_config, engine_config

LIVE = RunConfig(base_url="https://ocp.example.test", username="u", password="p")


@pytest.mark.parametrize(
    "config",
    [RunConfig(), LIVE, RunConfig(max_time=0.2).with_phases("coverage")],
    ids=["embedded", "live", "narrow"],
)
def test_the_configuration_is_valid_for_schemathesis(config: RunConfig) -> None:
    table = engine_config(config, base_url="http://x.invalid", seed=1)
    SchemathesisConfig.from_dict(table)  # raises ConfigError if not


def _table(config: RunConfig) -> dict[str, Any]:
    return engine_config(config, base_url="http://x.invalid", seed=1)


def test_a_live_ocp_gets_no_upgrade_examples_positive_fuzzing_or_stateful_chains() -> None:
    table = _table(LIVE)
    (override,) = table["operations"]
    assert override["include-operation-id"] == "upgradeObproxies"
    assert override["phases"]["examples"] == {"enabled": False}
    assert override["phases"]["fuzzing"]["generation"]["mode"] == "negative"
    assert table["phases"]["stateful"] == {"enabled": False}
    assert "operations" not in _table(RunConfig())


def test_generation_is_reproducible_and_gentle() -> None:
    generation = _table(RunConfig(max_examples=7))["generation"]
    assert generation == {"max-examples": 7, "database": "none", "no-shrink": True, "deterministic": False}


def test_max_time_is_never_handed_to_schemathesis_as_a_budget_to_fill() -> None:
    assert "max-time" not in engine_config(RunConfig(max_time=240), base_url="http://x", seed=1)


def test_checks_are_tuned_to_ocp() -> None:
    checks = checks_config()
    enabled = {name for name, table in checks.items() if table["enabled"]}
    assert {"ocp_contract", "ocp_http", "ocp_transitions", "positive_data_acceptance"} <= enabled
    assert not enabled & {"negative_data_rejection", "not_a_server_error", "response_schema_conformance"}
    assert {"400", "404", "409"} <= set(checks["positive_data_acceptance"]["expected-statuses"])


def test_the_coverage_phase_sends_no_methods_a_framework_answers_itself() -> None:
    methods = _table(RunConfig())["phases"]["coverage"]["unexpected-methods"]
    assert not {"HEAD", "OPTIONS", "TRACE"} & set(methods)
