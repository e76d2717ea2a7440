"""The project's validators as schemathesis checks: ``ocp_contract``, ``ocp_http``, ``ocp_transitions``.

Each check turns schemathesis' response into an :class:`~contracts.run.judging.judge.Observed` exchange,
asks the matching judge of :mod:`contracts.run.judging.judge` (the code the workflow uses too) and raises
a :class:`ContractFailure` carrying the violations, so reports can print rule, pointer, expected
and actual. Warnings (undocumented properties without ``--strict``) are kept on the
:class:`SuiteState`, never raised.

Checks are registered globally when this module is imported (schemathesis has no per-schema
registry), but they act only on a schema a run has :func:`bind`-ed: any other schemathesis use in
the same process sees them skip.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from schemathesis.core.failures import Failure, Severity

from contracts.run.judging import judge
from contracts.run.judging.history import TaskHistory
from contracts.run.profile import RunProfile, run_profile
from contracts.run.wire.rejection import WireRequest
from contracts.spec import OPERATIONS, load_spec
from contracts.violations import Violation


class ContractFailure(Failure):
    """A check failure that carries the project's :class:`~contracts.violations.Violation` values."""

    code = "OCP001"
    kind_title = "OCP contract violated"

    def __init__(self, *, operation: str | None, check: str, violations: Sequence[Violation]) -> None:
        first = violations[0]
        more = f" (+{len(violations) - 1} more)" if len(violations) > 1 else ""
        super().__init__(
            operation=operation,
            title=f"[{first.rule}] {first.message}{more}",
            message="\n".join(v.render() for v in violations),
            severity=Severity.CRITICAL if first.rule.startswith("http.") else Severity.HIGH,
        )
        self.check = check
        self.violations = tuple(violations)

    @property
    def _unique_key(self) -> str:
        return "|".join(sorted({f"{v.rule}@{v.pointer}" for v in self.violations}))


def operation_names() -> dict[str, str]:
    """schemathesis' operation label (``GET /api/v2/tasks/instances``) → short name (``tasks``)."""
    spec = load_spec()
    short = {operation_id: name for name, operation_id in OPERATIONS.items()}
    return {f"{op.method} {op.path}": short[op.operation_id] for op in spec.operations.values()}


@dataclass
class SuiteState:
    """What the checks of one run need: strictness, our credentials, the OCP version profile, the
    task history, warnings."""

    strict: bool = False
    known: Mapping[str, str] | None = None
    profile: RunProfile = field(default_factory=run_profile)
    history: TaskHistory = field(default_factory=TaskHistory)
    operations: dict[str, str] = field(default_factory=operation_names)
    warnings: Counter[tuple[str, str]] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def note_warnings(self, operation: str, violations: Sequence[Violation]) -> None:
        with self._lock:
            self.warnings.update((operation, v.rule) for v in violations)


_BOUND: dict[int, SuiteState] = {}


@contextmanager
def bound(schema: Any, state: SuiteState) -> Iterator[SuiteState]:
    """Let the checks act on ``schema`` with ``state`` until the block ends."""
    _BOUND[id(schema)] = state
    try:
        yield state
    finally:
        _BOUND.pop(id(schema), None)


def _observed(state: SuiteState, response: Any, case: Any) -> judge.Observed | None:
    operation = state.operations.get(case.operation.label)
    if operation is None:
        return None
    headers = {name: values[0] for name, values in response.headers.items() if values}
    return judge.Observed(
        operation,
        WireRequest.from_prepared(response.request),
        response.status_code,
        headers,
        response.content,
    )


def _judge(check: str, response: Any, case: Any) -> bool | None:
    state = _BOUND.get(id(case.operation.schema))
    observed = None if state is None else _observed(state, response, case)
    if state is None or observed is None or not judge.applies(check, observed.operation):
        return True  # not ours to judge: reported as skipped, not passed
    if check == judge.CONTRACT:
        found = judge.contract(observed, strict=state.strict, spec=state.profile.spec)
        state.note_warnings(observed.operation, [v for v in found if not v.is_error])
    elif check == judge.HTTP:
        found = judge.http(observed, known=state.known, upgrade_body=state.profile.upgrade_body)
    else:
        found = judge.transitions(observed, state.history)
    errors = [v for v in found if v.is_error]
    if errors:
        raise ContractFailure(operation=case.operation.label, check=check, violations=errors)
    return None


@schemathesis.check
def ocp_contract(ctx: Any, response: Any, case: Any) -> bool | None:
    """Envelope, schema, DAG, state and request agreement of every answer (``validate_response``)."""
    return _judge(judge.CONTRACT, response, case)


@schemathesis.check
def ocp_http(ctx: Any, response: Any, case: Any) -> bool | None:
    """Server errors, and requests OCP must refuse that were served (``http.*``)."""
    return _judge(judge.HTTP, response, case)


@schemathesis.check
def ocp_transitions(ctx: Any, response: Any, case: Any) -> bool | None:
    """Consecutive snapshots of one task (``transition.*``) and tasks that vanish after creation."""
    return _judge(judge.TRANSITIONS, response, case)
