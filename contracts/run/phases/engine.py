"""Driving schemathesis' engine: load the spec with the run's configuration, bind the project's
checks to it, iterate the events into :class:`~contracts.run.judging.results.Results`.

The engine is stopped at once when the gate stops sending — our own credentials were refused
(one 401 is enough to know, and a thousand more would only be noise), an exchange broke one of
the run's bounds, a storm of 5xx tripped the breaker — and when ``--max-time`` is over (the
deadline then remembers what it cut), or on SIGINT/SIGTERM. A request
refused for the deadline or the storm may surface from schemathesis' own probes rather than a
case; it ends the phases quietly, like the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from contracts.ocp import (
    SUBTASK_CANCEL_OPERATION_ID,
    SUBTASK_LOG_OPERATION_ID,
    SUBTASK_RETRY_OPERATION_ID,
    SUBTASK_SKIP_OPERATION_ID,
    TASK_OPERATION_ID,
    TASK_RETRY_OPERATION_ID,
    TASK_ROLLBACK_OPERATION_ID,
)
from contracts.run.config import RunConfig
from contracts.run.judging import checks as _checks  # registers the project's checks with schemathesis
from contracts.run.judging.results import Results
from contracts.run.phases.bound import PhaseBound
from contracts.run.phases.collect import Collector
from contracts.run.phases.hooks import install_filter
from contracts.run.phases.plan import engine_config
from contracts.run.profile import RunProfile, run_profile
from contracts.run.wire.bounds import ServerFailing
from contracts.run.wire.gate import Gate
from contracts.run.wire.politeness import DeadlineReached
from contracts.run.wire.target import Identity, Target

EventSink = Callable[[events.EngineEvent], None]


def load_schema(config: RunConfig, target: Target, *, seed: int, profile: RunProfile | None = None) -> Any:
    """The spec as a schemathesis schema, configured for this run (see :mod:`contracts.run.phases.plan`);
    with ``--ocp-version``, the spec as that version documents it (no upgrade body before 4.0.3)."""
    table = engine_config(config, base_url=target.base_url, seed=seed)
    loaded = SchemathesisConfig.from_dict(table)
    document = (profile or run_profile(config.ocp_version)).schema_document()
    return schemathesis.openapi.from_dict(with_failure_path_links(document), config=loaded)


#: The failure path's calls a read task leads to, for the stateful phase: a task's id and its first
#: subtask's id, taken from ``GET /tasks/instances/{taskInstanceId}`` (200).
_FROM_TASK = {
    "RetryTask": (TASK_RETRY_OPERATION_ID, False),
    "RollbackTask": (TASK_ROLLBACK_OPERATION_ID, False),
    "GetSubtaskLog": (SUBTASK_LOG_OPERATION_ID, True),
    "RetrySubtask": (SUBTASK_RETRY_OPERATION_ID, True),
    "SkipSubtask": (SUBTASK_SKIP_OPERATION_ID, True),
    "CancelSubtask": (SUBTASK_CANCEL_OPERATION_ID, True),
}


def with_failure_path_links(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with links from a read task to its retry, rollback, log and subtask calls, so
    the stateful phase walks upgrade → task → the failure path (the spec links upgrade → task and
    retry/rollback → task). Links to an operation the document lacks are left out."""
    operations = {
        op.get("operationId"): op
        for item in document.get("paths", {}).values()
        if isinstance(item, dict)
        for op in item.values()
        if isinstance(op, dict)
    }
    task = operations.get(TASK_OPERATION_ID)
    answer = task.get("responses", {}).get("200") if isinstance(task, dict) else None
    if not isinstance(answer, dict):
        return document
    links = answer.setdefault("links", {})
    for name, (target, subtask) in _FROM_TASK.items():
        if target not in operations or name in links:
            continue
        parameters = {"taskInstanceId": "$request.path.taskInstanceId"}
        if subtask:
            parameters["subtaskInstanceId"] = "$response.body#/data/subtasks/0/id"
        links[name] = {"operationId": target, "parameters": parameters}
    return document


def run_engine(
    config: RunConfig,
    target: Target,
    identity: Identity,
    gate: Gate,
    results: Results,
    *,
    seed: int,
    on_event: EventSink | None = None,
    profile: RunProfile | None = None,
) -> str | None:
    """Run the engine phases of ``config``; returns schemathesis' stop reason."""
    profile = profile or run_profile(config.ocp_version)
    schema = load_schema(config, target, seed=seed, profile=profile)
    schema.auth.set_from_requests(identity.auth)
    if gate.guard.policy.is_guarding:
        install_filter(schema, gate.guard, target.base_url)
    bound = PhaseBound(config.max_examples)
    bound.install(schema)
    state = _checks.SuiteState(strict=config.strict, known=identity.known, profile=profile)
    collector = Collector(
        results, lambda case: state.operations.get(case.operation.label), live=config.is_live
    )
    deadline = gate.politeness.deadline
    with _checks.bound(schema, state):
        stream = from_schema(schema).execute()
        try:
            for event in stream:
                collector.handle(event)
                if on_event is not None:
                    on_event(event)
                if gate.stopped is not None:
                    stream.stop()
                elif deadline.expired:
                    deadline.reached("the schemathesis phases did not finish")
                    stream.stop()
        except (DeadlineReached, ServerFailing):
            stream.stop()
        except KeyboardInterrupt:
            stream.stop()
            raise
    results.warnings.update(state.warnings)
    results.notes.extend(bound.notes())
    return collector.stop_reason
