"""``contracts`` exports the public API, and nothing private, without importing it all up front."""

from __future__ import annotations

import subprocess
import sys

import pytest

import contracts

PUBLIC = {
    "validate_response",
    "has_errors",
    "assert_conforms",
    "check_sequence",
    "Exchange",
    "Violation",
    "Severity",
    "ContractViolation",
    "SpecError",
    "UsageError",
    "serve",
    "mock_responses",
    "MockOCP",
    "MockServer",
    "MockSettings",
    "AkSkAuth",
}


def test_the_public_names_are_exported_and_nothing_private() -> None:
    assert set(contracts.__all__) == PUBLIC
    assert not [name for name in contracts.__all__ if name.startswith("_")]
    for name in contracts.__all__:
        assert getattr(contracts, name).__module__.startswith("contracts.")


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'load_spec'"):
        contracts.load_spec  # noqa: B018


def test_importing_the_package_imports_neither_the_validator_nor_the_mock() -> None:
    code = "import sys, contracts; print(' '.join(sorted(sys.modules)))"
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    heavy = {"contracts.validate", "contracts.sequence", "contracts.mock", "jsonschema_rs", "werkzeug"}
    assert not heavy & loaded


def test_the_documented_calls_work() -> None:
    with contracts.serve(
        contracts.MockOCP(settings=contracts.MockSettings(faults=("cycle",))), port=0
    ) as server:
        assert server.url.startswith("http://127.0.0.1:")
    violations = contracts.validate_response({"status": 200}, operation="task")
    assert contracts.has_errors(violations) and isinstance(violations[0], contracts.Violation)
