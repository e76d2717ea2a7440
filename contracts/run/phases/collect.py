"""schemathesis' engine events → :class:`~contracts.run.judging.results.Results`.

A finished scenario carries a recorder: its cases, the exchange of each, and the outcome of every
check on it. Each check outcome becomes a pass or a :class:`~contracts.run.judging.results.Finding` in
the cell (operation, check). Failures of the project's checks carry their violations; a
built-in's failure becomes one violation named ``schemathesis.<check>``. Reproductions are built
here with :func:`contracts.auth.curl_command` from the request as sent, so credentials are
masked (schemathesis' own code samples are never used: they show the ``Authorization`` header).

A phase that did not run is kept with its reason in ``Results.skipped``, said in the summary and
in JUnit.

Errors: a request the safety guard refused is not an error (the guard reports it as kept back);
a network failure is kept apart, because it ends the run with exit 2; anything else is an error
of the run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from schemathesis.core.errors import HookExecutionError
from schemathesis.engine import events

from contracts.auth import curl_command
from contracts.run.judging.checks import ContractFailure
from contracts.run.judging.results import Finding, Results
from contracts.run.wire.bounds import ServerFailing
from contracts.run.wire.errors import describe_network_error
from contracts.run.wire.gate import CredentialsRejected
from contracts.run.wire.politeness import DeadlineReached
from contracts.run.wire.safety import UpgradeBlocked
from contracts.violations import Violation

_QUIET_ERRORS = (UpgradeBlocked, DeadlineReached, CredentialsRejected, ServerFailing)
_SKIP_REASONS = {
    "disabled": "not among the phases asked for",
    "not_supported": "the spec does not support it",
    "not_applicable": "no links between operations to follow",
    "failure_limit_reached": "the failure limit was reached",
    "server_unavailable": "the server stopped responding",
    "nothing_to_test": "nothing to test",
    "no_checks_ran": "no check applied to its cases",
}
_LIVE_STATEFUL = "a live OCP: its chains start with an upgrade (the embedded mock runs them)"


def skip_reason(phase: str, reason: str | None, *, live: bool) -> str:
    """Why schemathesis skipped ``phase``, in words."""
    if phase == "stateful" and live:
        return _LIVE_STATEFUL
    return _SKIP_REASONS.get(reason or "", reason or "not run")


def _curl(recorder: Any, case_id: str) -> str:
    interaction = recorder.interactions.get(case_id)
    if interaction is None:
        return ""
    request = interaction.request
    headers = {name: values[0] for name, values in request.headers.items() if values}
    return curl_command(request.method, request.uri, headers, request.body)


def _violations(check: str, failure: Any) -> tuple[Violation, ...]:
    if isinstance(failure, ContractFailure):
        return failure.violations
    message = str(getattr(failure, "message", "") or "").strip()
    return (
        Violation(
            rule=f"schemathesis.{check}",
            pointer="",
            message=str(getattr(failure, "title", check)),
            actual=message.splitlines()[0][:200] if message else "",
        ),
    )


def _record_case(
    results: Results,
    recorder: Any,
    case_id: str,
    node: Any,
    phase: str,
    operation_of: Callable[[Any], str | None],
) -> None:
    operation = operation_of(node.value)
    if operation is None:
        return
    interaction = recorder.interactions.get(case_id)
    if interaction is not None and interaction.response is not None:
        results.count_case(phase)
        results.count_exchange(_operation_id(node.value), interaction.response.status_code)
    elapsed = (
        interaction.response.elapsed if interaction is not None and interaction.response is not None else 0.0
    )
    for check in recorder.checks.get(case_id, []):
        if check.failure_info is None:
            if check.status.value == "success":
                results.passed(operation, check.name, elapsed=elapsed)
            continue
        failure = check.failure_info.failure
        curl = _curl(recorder, getattr(failure, "case_id", None) or case_id)
        title = str(getattr(failure, "title", check.name))
        results.failed(
            Finding(operation, check.name, phase, title, _violations(check.name, failure), curl),
            elapsed=elapsed,
        )


def _operation_id(case: Any) -> str:
    """The case's operationId (its label when the spec gives none)."""
    definition = getattr(case.operation, "definition", None)
    raw = getattr(definition, "raw", None)
    found = raw.get("operationId") if isinstance(raw, dict) else None
    return str(found) if found else str(case.operation.label)


def _record_error(results: Results, event: events.NonFatalError) -> None:
    error: BaseException = event.value
    if isinstance(error, HookExecutionError) and isinstance(error.original_error, Exception):
        error = error.original_error
    if isinstance(error, _QUIET_ERRORS):
        return
    if isinstance(error, requests.RequestException):
        results.network_error(describe_network_error(error))
        return
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
    results.error(f"{event.label}: {type(error).__name__}: {first_line}"[:300])


class Collector:
    """Feeds engine events into :class:`Results`; ``operation_of`` maps a case to its short name."""

    def __init__(
        self, results: Results, operation_of: Callable[[Any], str | None], *, live: bool = False
    ) -> None:
        self.results = results
        self.operation_of = operation_of
        self.live = live
        self.stop_reason: str | None = None

    def handle(self, event: events.EngineEvent) -> None:
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            for case_id, node in recorder.cases.items():
                _record_case(self.results, recorder, case_id, node, event.phase.value, self.operation_of)
        elif isinstance(event, events.NonFatalError):
            _record_error(self.results, event)
        elif isinstance(event, events.FatalError):
            self.results.error(f"engine: {type(event.exception).__name__}: {event.exception}"[:300])
        elif isinstance(event, events.PhaseFinished) and not event.phase.is_enabled:
            name = event.phase.name.value
            reason = event.phase.skip_reason.value if event.phase.skip_reason else None
            self.results.skipped[name] = skip_reason(name, reason, live=self.live)
        elif isinstance(event, events.EngineFinished):
            self.stop_reason = event.stop_reason.value
