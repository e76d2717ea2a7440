"""Named faults: each makes the mock break exactly one clause of the contract.

A fault is data — name, one-line description, the clause it breaks, the rule or check expected to
catch it, how to provoke it — plus its behaviour: either a *transform* of the outgoing JSON body
(pure, on the body and a small :class:`MockExchange`), or a *quirk* the request handling consults
(ignore credentials, accept a missing body, …). The test runner switches them on one at a time
(``--fault NAME``) and asserts that the named rule fires; ``ocp-contract mock --list-faults``
prints the table.

``caught_by`` says where the expected id comes from: ``validate_response`` (a rule id of
:mod:`contracts.validate`), ``check_transition`` (two consecutive polls of one task), ``http``
(a check on the HTTP exchange itself, which a body validator cannot see), or ``lifecycle`` (the
failure path's rules over a sequence of exchanges: control calls, their effects, the servers).
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from contracts.mock import transforms as t
from contracts.mock.transforms import MockExchange, Transform
from contracts.violations import UsageError

__all__ = ["FAULTS", "Fault", "FaultSet", "MockExchange", "Quirk", "Transform", "get_faults"]


class Quirk(enum.Enum):
    """Behaviours of the request handling that a fault switches on."""

    IGNORE_CREDENTIALS = "ignore-credentials"
    ACCEPT_MISSING_BODY = "accept-missing-body"
    NON_NUMERIC_ID_500 = "non-numeric-id-500"
    HIDE_CREATED_TASKS = "hide-created-tasks"
    STALE_READS = "stale-reads"
    WRONG_TASK = "wrong-task"
    TEXT_CONTENT_TYPE = "text-content-type"
    UNKNOWN_CLUSTER_ACCEPTED = "unknown-cluster-accepted"
    # -- the failure path
    RETRY_ANY_STATE = "retry-any-state"
    RETRY_IGNORED = "retry-ignored"
    RETRY_OTHER_TASK = "retry-other-task"
    ROLLBACK_LEFT_FAILED = "rollback-left-failed"
    ROLLBACK_IGNORES_PROHIBIT = "rollback-ignores-prohibit"
    SKIP_IGNORED = "skip-ignored"
    SKIP_ANY_STATE = "skip-any-state"
    CANCEL_IGNORED = "cancel-ignored"
    CANCEL_ANY_STATE = "cancel-any-state"
    SUBTASK_RETRY_IGNORED = "subtask-retry-ignored"
    REFUSAL_WRONG_CODE = "refusal-wrong-code"
    UNKNOWN_TASK_ACCEPTED = "unknown-task-accepted"
    SERVERS_NOT_UPGRADED = "servers-not-upgraded"
    SERVERS_CHANGED_BY_ROLLBACK = "servers-changed-by-rollback"
    SERVERS_STILL_UPGRADING = "servers-still-upgrading"


@dataclass(frozen=True, slots=True)
class Fault:
    """One named way to break the contract."""

    name: str
    description: str
    clause: str
    expected: str
    caught_by: str
    trigger: str
    transform: Transform | None = None
    quirk: Quirk | None = None
    #: Rules that follow necessarily once the broken clause plays out (a node in a cycle cannot run
    #: after all its upstreams); a runner asserts ``expected`` in found ⊆ {expected} ∪ ``also``.
    also: tuple[str, ...] = ()

    def line(self) -> str:
        return f"{self.name:<30} {self.description}  [{self.expected}]"


# --------------------------------------------------------------------------- the registry

_V, _T, _H = "validate_response", "check_transition", "http"
#: Caught by the lifecycle rules over a sequence of exchanges (``contracts.rules.lifecycle``).
_L = "lifecycle"
_UPGRADE_200 = "any upgrade answer (200)"

FAULTS: dict[str, Fault] = {
    f.name: f
    for f in (
        # -- the graph
        Fault(
            "edge-one-end",
            "the start node's first downstream edge is recorded on one end only",
            "every edge appears in both upstreams and downstreams",
            "dag.asymmetric-edge",
            _V,
            _UPGRADE_200,
            t.on_task(t.edge_one_end),
        ),
        Fault(
            "dangling-upstream",
            "the finish node lists an upstream id that is no subtask of the task",
            "upstreams name subtasks of the same task",
            "dag.dangling-upstream",
            _V,
            _UPGRADE_200,
            t.on_task(t.dangling_upstream),
        ),
        Fault(
            "dangling-downstream",
            "the start node lists a downstream id that is no subtask of the task",
            "downstreams name subtasks of the same task",
            "dag.dangling-downstream",
            _V,
            _UPGRADE_200,
            t.on_task(t.dangling_downstream),
        ),
        Fault(
            "cycle",
            "an edge from the finish node back to a branch's last step, on both ends",
            "the subtasks form an acyclic graph",
            "dag.cycle",
            _V,
            _UPGRADE_200,
            t.on_task(t.cycle),
            also=("state.upstream-not-successful",),
        ),
        Fault(
            "self-loop",
            "the finish node is its own upstream and downstream",
            "no subtask depends on itself",
            "dag.self-loop",
            _V,
            _UPGRADE_200,
            t.on_task(t.self_loop),
            also=("state.upstream-not-successful",),
        ),
        Fault(
            "duplicate-id",
            "the finish node is listed twice",
            "subtask ids are unique within a task",
            "dag.duplicate-id",
            _V,
            _UPGRADE_200,
            t.on_task(t.duplicate_id),
        ),
        # -- the envelope
        Fault(
            "status-mismatch",
            "a 200 answer says status 201 in its body",
            "the envelope's status repeats the HTTP status",
            "envelope.status-mismatch",
            _V,
            "any 200 answer",
            t.on_success(lambda body: body.update(status=201)),
        ),
        Fault(
            "successful-false-on-200",
            "a 200 answer says successful: false",
            "successful is true exactly for 2xx",
            "envelope.successful-mismatch",
            _V,
            "any 200 answer",
            t.on_success(lambda body: body.update(successful=False)),
        ),
        Fault(
            "trace-id-missing",
            "answers carry no traceId",
            "every envelope carries traceId",
            "schema.required",
            _V,
            "any answer",
            t.on_every(lambda body: body.pop("traceId", None)),
        ),
        Fault(
            "timestamp-without-offset",
            "timestamps lack their UTC offset (2021-09-03T16:31:58.151)",
            "the timestamp is RFC 3339 with an offset",
            "envelope.timestamp-offset",
            _V,
            "any answer",
            t.on_every(lambda body: body.update(timestamp=str(body["timestamp"])[:-6])),
        ),
        Fault(
            "negative-duration",
            "answers report duration -1",
            "duration is milliseconds, never negative",
            "envelope.duration-negative",
            _V,
            "any answer",
            t.on_every(lambda body: body.update(duration=-1)),
        ),
        Fault(
            "data-missing",
            "200 answers carry no data",
            "a success carries data",
            "envelope.data-missing",
            _V,
            "any 200 answer",
            t.on_success(lambda body: body.pop("data", None)),
        ),
        Fault(
            "error-missing",
            "error answers carry no error object",
            "a failure carries error with a message",
            "envelope.error-missing",
            _V,
            "any 4xx/5xx answer",
            lambda body, ex: body.pop("error", None) if ex.http_status >= 400 else None,
        ),
        Fault(
            "status-outside-enum",
            "a task's status is CANCELED, which tasks never have",
            "task status is RUNNING, FAILED or SUCCESSFUL",
            "schema.enum",
            _V,
            _UPGRADE_200,
            t.on_task(lambda task: task.update(status="CANCELED")),
        ),
        # -- the task state
        Fault(
            "failure-reported-as-success",
            "a FAILED task is reported SUCCESSFUL (its failed subtask stays)",
            "a task is SUCCESSFUL only when every subtask is",
            "state.task-successful-unfinished-subtask",
            _V,
            "GET or list a FAILED task (e.g. the seeded one)",
            t.failure_as_success,
        ),
        Fault(
            "subtask-runs-before-upstream",
            "a subtask is RUNNING while its upstream is not yet SUCCESSFUL",
            "a subtask runs only after all its upstreams succeeded",
            "state.upstream-not-successful",
            _V,
            _UPGRADE_200,
            t.runs_before_upstream,
        ),
        Fault(
            "premature-failure",
            "a task is reported FAILED while another branch still runs",
            "a task is FAILED only when nothing is running",
            "state.task-failed-with-running-subtask",
            _V,
            "poll a task on a server marked failAt, next to a healthy one",
            t.premature_failure,
        ),
        Fault(
            "wrong-targets",
            "the task's context lists other servers than the request named",
            "the task targets exactly the requested servers",
            "agreement.target-mismatch",
            _V,
            _UPGRADE_200,
            t.on_task(t.wrong_targets),
        ),
        # -- between polls
        Fault(
            "stale-read",
            "every second poll shows the task as it was three steps earlier",
            "a terminal subtask never changes again",
            "transition.terminal-subtask-changed",
            _T,
            "poll a running task four times or more",
            quirk=Quirk.STALE_READS,
        ),
        Fault(
            "subtask-appears",
            "from the first poll on, an extra unconnected subtask is listed",
            "a task's set of subtasks does not change between polls",
            "transition.subtasks-changed",
            _T,
            "compare the upgrade answer with the first poll",
            t.subtask_appears,
        ),
        Fault(
            "task-reopens",
            "every second poll of a finished task shows it RUNNING again",
            "a SUCCESSFUL or FAILED task stays so",
            "transition.task-left-terminal",
            _T,
            "poll a finished task twice",
            t.task_reopens,
        ),
        Fault(
            "wrong-task",
            "task detail answers with the newest other task instead of the requested one",
            "GET /tasks/instances/{id} returns task id",
            "transition.wrong-task",
            _T,
            "GET any task",
            quirk=Quirk.WRONG_TASK,
        ),
        # -- the HTTP exchange
        Fault(
            "accepts-missing-body",
            "an upgrade without a body is accepted (200, newest package)",
            "the body with shortRpmName is required (400)",
            "http.negative-data-accepted",
            _H,
            "POST an upgrade without a body",
            quirk=Quirk.ACCEPT_MISSING_BODY,
        ),
        Fault(
            "unknown-cluster-accepted",
            "an upgrade of a cluster that does not exist is answered 200 with data null",
            "an unknown cluster id is refused with 404 before anything is done",
            "http.unknown-id-accepted",
            _H,
            "POST an upgrade naming a cluster id that a read proved absent",
            quirk=Quirk.UNKNOWN_CLUSTER_ACCEPTED,
            also=("schema.type",),  # data: null where the task is documented
        ),
        # -- the failure path: control calls, their effects, the servers (run --drill)
        Fault(
            "retry-any-state",
            "a task retry is accepted (200, nothing changes) whatever the task's state",
            "only a FAILED task not rolled back can be retried (400, 20003)",
            "control.retry-out-of-state",
            _L,
            "retry a rolled-back or SUCCESSFUL task",
            quirk=Quirk.RETRY_ANY_STATE,
        ),
        Fault(
            "retry-ignored",
            "a task retry is answered 200 but the task stays FAILED",
            "a retried task runs its failed subtasks again under RETRY",
            "effect.retry-ignored",
            _L,
            "retry a FAILED task and poll it",
            quirk=Quirk.RETRY_IGNORED,
        ),
        Fault(
            "retry-answers-other-task",
            "a task retry is answered with another task",
            "a retry answers with the task it retried",
            "control.answer-other-task",
            _L,
            "retry a FAILED task while another task exists",
            quirk=Quirk.RETRY_OTHER_TASK,
        ),
        Fault(
            "rollback-left-failed",
            "a rollback is answered 200 but the task stays FAILED",
            "a rolled-back task ends SUCCESSFUL under ROLLBACK with every subtask PENDING",
            "effect.rollback-incomplete",
            _L,
            "roll back a FAILED task and poll it",
            quirk=Quirk.ROLLBACK_LEFT_FAILED,
        ),
        Fault(
            "rollback-ignores-prohibit",
            "tasks say prohibitRollback: true, yet a rollback is accepted",
            "a task that prohibits rollback refuses it (400, 20004)",
            "control.rollback-prohibited",
            _L,
            "roll back a FAILED task",
            quirk=Quirk.ROLLBACK_IGNORES_PROHIBIT,
        ),
        Fault(
            "skip-ignored",
            "a subtask skip is answered 200 but the subtask stays FAILED",
            "a skipped subtask is passed (SUCCESSFUL under SKIP) and its downstreams run",
            "effect.skip-ignored",
            _L,
            "skip a FAILED subtask and poll the task",
            quirk=Quirk.SKIP_IGNORED,
        ),
        Fault(
            "skip-any-state",
            "a subtask skip is accepted (200, nothing changes) whatever the subtask's state",
            "only a FAILED subtask can be skipped (400, 20003)",
            "control.skip-out-of-state",
            _L,
            "skip a SUCCESSFUL subtask",
            quirk=Quirk.SKIP_ANY_STATE,
        ),
        Fault(
            "cancel-any-state",
            "a subtask cancel is accepted (200, nothing changes) whatever the subtask's state",
            "only a RUNNING subtask can be cancelled (400, 20003)",
            "control.cancel-out-of-state",
            _L,
            "cancel a finished subtask",
            quirk=Quirk.CANCEL_ANY_STATE,
        ),
        Fault(
            "cancel-ignored",
            "a subtask cancel is answered 200 but the subtask runs on and succeeds",
            "a cancelled subtask goes CANCELING, then FAILED",
            "effect.cancel-ignored",
            _L,
            "cancel a RUNNING subtask and poll the task",
            quirk=Quirk.CANCEL_IGNORED,
        ),
        Fault(
            "subtask-retry-ignored",
            "a subtask retry is answered 200 but the subtask stays FAILED",
            "a retried subtask runs again",
            "effect.subtask-retry-ignored",
            _L,
            "retry a FAILED subtask and poll the task",
            quirk=Quirk.SUBTASK_RETRY_IGNORED,
        ),
        Fault(
            "refusal-wrong-code",
            "a call in a state that does not allow it is refused with 404 and code 20000",
            "a call in the wrong state is refused with 400 and code 20003",
            "control.refusal-mismatch",
            _L,
            "retry a rolled-back task",
            quirk=Quirk.REFUSAL_WRONG_CODE,
        ),
        Fault(
            "unknown-task-accepted",
            "a control call or log read of a task that does not exist is answered 200",
            "an unknown task is refused with 404 and code 20000",
            "control.unknown-id-accepted",
            _L,
            "retry a task id a read proved absent",
            quirk=Quirk.UNKNOWN_TASK_ACCEPTED,
            also=("envelope.data-missing",),  # no task to answer a retry with
        ),
        Fault(
            "servers-not-upgraded",
            "servers keep their old version after their upgrade task ended SUCCESSFUL",
            "after a SUCCESSFUL upgrade the named servers run the package's version",
            "servers.not-upgraded",
            _L,
            "read the cluster after an upgrade ended SUCCESSFUL",
            quirk=Quirk.SERVERS_NOT_UPGRADED,
        ),
        Fault(
            "servers-changed-by-rollback",
            "servers report the package's version after their upgrade was rolled back",
            "after a rollback the named servers keep the version they had",
            "servers.version-changed",
            _L,
            "read the cluster after a rollback",
            quirk=Quirk.SERVERS_CHANGED_BY_ROLLBACK,
        ),
        Fault(
            "servers-still-upgrading",
            "servers stay UPGRADING after their upgrade task ended",
            "a server is UPGRADING only while a task works on it",
            "servers.still-upgrading",
            _L,
            "read the cluster after an upgrade ended",
            quirk=Quirk.SERVERS_STILL_UPGRADING,
        ),
        Fault(
            "non-numeric-id-500",
            "a non-numeric path id crashes the server (500)",
            "a path id that is not a Long is a 400",
            "http.server-error",
            _H,
            "POST …/clusters/abc/obproxies/1/upgrade",
            quirk=Quirk.NON_NUMERIC_ID_500,
        ),
        Fault(
            "credentials-ignored",
            "requests without or with wrong credentials are served",
            "every /api request is authenticated (401)",
            "http.auth-ignored",
            _H,
            "any request without Authorization",
            quirk=Quirk.IGNORE_CREDENTIALS,
        ),
        Fault(
            "wrong-content-type",
            "answers are labelled text/plain;charset=UTF-8",
            "responses are application/json",
            "envelope.content-type",
            _H,
            "any answer",
            quirk=Quirk.TEXT_CONTENT_TYPE,
        ),
        Fault(
            "created-task-not-found",
            "tasks created by an upgrade cannot be fetched (404)",
            "the task an upgrade returns can be fetched by its id",
            "http.task-not-found-after-create",
            _H,
            "GET the task an upgrade returned",
            quirk=Quirk.HIDE_CREATED_TASKS,
        ),
    )
}


def get_faults(names: Iterable[str]) -> tuple[Fault, ...]:
    """The faults named, in order; an unknown name is a :class:`UsageError` with a suggestion."""
    found: list[Fault] = []
    for name in names:
        if name not in FAULTS:
            close = difflib.get_close_matches(name, list(FAULTS), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise UsageError(f"unknown fault {name!r}; {hint}see --list-faults for the {len(FAULTS)} faults")
        if FAULTS[name] not in found:
            found.append(FAULTS[name])
    return tuple(found)


class FaultSet:
    """The faults switched on for one mock: quirks to consult, transforms to apply."""

    def __init__(self, faults: Iterable[Fault] = ()) -> None:
        self.faults = tuple(faults)
        self._quirks = frozenset(f.quirk for f in self.faults if f.quirk is not None)
        self._transforms = tuple(f.transform for f in self.faults if f.transform is not None)

    def __bool__(self) -> bool:
        return bool(self.faults)

    def has(self, quirk: Quirk) -> bool:
        return quirk in self._quirks

    def apply(self, body: dict[str, Any], exchange: MockExchange) -> None:
        """Run every active transform over ``body`` (in place)."""
        for transform in self._transforms:
            transform(body, exchange)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.faults)
