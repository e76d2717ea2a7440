"""Contract tests and spec validation for OCP's "Upgrade an OBProxy" API.

The public Python API (everything else is internal and may change):

* :func:`validate_response` — every violation of the contract by one response body;
  :func:`has_errors` — whether any of them is an error (warnings do not fail);
* :func:`assert_conforms` — the same as one assertion for tests (raises :class:`ContractViolation`);
* :func:`check_sequence` — a sequence of exchanges (an upgrade, polls, control calls, cluster
  reads; :class:`Exchange` or ``requests`` responses) judged across polls: transitions, control
  calls' preconditions and effects, the servers' versions; returns a ``SequenceResult``;
* :class:`Violation`, :class:`Severity` — one finding: rule, pointer, expected, actual, spec clause;
* :class:`ContractViolation`, :class:`SpecError`, :class:`UsageError` — the errors, by who fixes them;
* :class:`AkSkAuth` — OCP's AK/SK signature as a ``requests`` auth class, for any script;
* the mock OCP: :func:`serve` (over HTTP, a started :class:`MockServer`), :func:`mock_responses`
  (behind ``responses``, no socket), :class:`MockOCP` and :class:`MockSettings` to configure one.

Only the violation types are imported with the package; the rest on first use, so importing
``contracts`` (as the command line does before it knows what to run) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from contracts.violations import ContractViolation, Severity, SpecError, UsageError, Violation

if TYPE_CHECKING:
    from contracts.conformance import assert_conforms
    from contracts.mock.app import MockOCP
    from contracts.mock.http import MockServer, serve
    from contracts.mock.responses_adapter import mock_responses
    from contracts.mock.settings import MockSettings
    from contracts.sequence import Exchange, check_sequence
    from contracts.signing import AkSkAuth
    from contracts.validate import has_errors, validate_response

__all__ = [
    "AkSkAuth",
    "ContractViolation",
    "Exchange",
    "MockOCP",
    "MockServer",
    "MockSettings",
    "Severity",
    "SpecError",
    "UsageError",
    "Violation",
    "assert_conforms",
    "check_sequence",
    "has_errors",
    "mock_responses",
    "serve",
    "validate_response",
]


def __getattr__(name: str) -> Any:
    """The public names that import more than the violation types, imported on first use."""
    if name in ("validate_response", "has_errors"):
        from contracts import validate

        return getattr(validate, name)
    if name in ("check_sequence", "Exchange"):
        from contracts import sequence

        return getattr(sequence, name)
    if name == "assert_conforms":
        from contracts.conformance import assert_conforms

        return assert_conforms
    if name in ("serve", "MockServer"):
        from contracts.mock import http

        return getattr(http, name)
    if name == "mock_responses":
        from contracts.mock.responses_adapter import mock_responses

        return mock_responses
    if name == "AkSkAuth":
        from contracts.signing import AkSkAuth

        return AkSkAuth
    if name == "MockOCP":
        from contracts.mock.app import MockOCP

        return MockOCP
    if name == "MockSettings":
        from contracts.mock.settings import MockSettings

        return MockSettings
    raise AttributeError(f"module 'contracts' has no attribute {name!r}")
