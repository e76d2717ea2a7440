"""The failure path across exchanges: each control call's precondition and refusal, the effect an
accepted call must have on later polls, and the named servers against the upgrade task.

Fed the exchanges of a sequence in order (:class:`Observation`), :class:`LifecycleChecker`
judges what they show together — what one body cannot. Which call is allowed from which status
and what it moves to is :data:`contracts.ocp.CONTROL_CALLS` (OCP Express's
``TaskInstanceManagerImpl`` and ``SubtaskInstanceManagerImpl``); the cluster's servers are
:mod:`contracts.rules.servers`.

Preconditions (judged on the control call's answer; pointers into that answer's body):

* ``control.retry-out-of-state``, ``control.rollback-out-of-state``,
  ``control.rollback-prohibited``, ``control.subtask-retry-out-of-state``,
  ``control.skip-out-of-state``, ``control.cancel-out-of-state`` — a call answered 2xx in a state
  where OCP refuses it (at ``/status``).
* ``control.unknown-id-accepted`` — a 2xx to a call naming a task proven absent (its read was
  answered 404), or a subtask seen in no task (inferred: OCP Express finds a subtask by its id
  alone, ignoring the task in the path, so only an id seen nowhere counts as absent); a log read
  of one is allowed an empty log, which is what OCP Express answers for any unknown id.
* ``control.refusal-mismatch`` — a refusal other than the documented one: unknown id → 404 with
  code 20000, wrong state → 400 with 20003, prohibited rollback → 400 with 20004; or a refusal of
  a call the task's state allows (at ``/error/code`` when only the code is wrong, else ``/status``).
  401, 403, 405, 406, 415, 429 and 5xx answers say nothing about the state and are not judged here.
* ``control.answer-other-task`` — a task retry's (or rollback's) answer is another task, a
  subtask retry's another subtask (at ``/data/id``).

The state a call is judged against is the last one observed of its task (a poll, the upgrade's
answer or an earlier call's answer). A call accepted from a state that can move by itself — a
RUNNING task, a subtask not finished — is not judged, as the task may have reached an allowing
state since: that is said in :meth:`LifecycleChecker.not_judged`. A FAILED or SUCCESSFUL task
does not move by itself (OCP's engine schedules RUNNING tasks only), nor do the PENDING,
FAILED and SUCCESSFUL subtasks of a finished task.

Effects (judged by :meth:`LifecycleChecker.finish` on the polls of the task that came after the
call and before the next task retry or rollback, with the judges of :mod:`contracts.rules.effects`;
pointers into the last of those polls; an effect not seen is a violation only when that poll shows
the task ended, else it is not judged):

* ``effect.retry-ignored`` — after a task retry the task never shows operation RETRY, or none of
  the subtasks it retried ran again.
* ``effect.rollback-incomplete`` — after a rollback the task did not end SUCCESSFUL with operation
  ROLLBACK and every subtask PENDING. A rollback that ran and failed (the task FAILED under
  ROLLBACK with a subtask failed while being undone) is the engine reporting a failure, not
  ignoring the call: it is said, not reported.
* ``effect.skip-ignored`` — a skipped subtask was never passed (SUCCESSFUL, or PENDING under
  ROLLBACK_SKIP).
* ``effect.cancel-ignored`` — a cancelled subtask never showed CANCELING or FAILED and ended
  SUCCESSFUL, or the task ended without it doing so.
* ``effect.subtask-retry-ignored`` — a retried subtask never ran again.

Servers (``servers.*``, :mod:`contracts.rules.servers`), also judged by ``finish``: a cluster read
between two polls showing the upgrade task RUNNING, its finish node not yet dispatched, must show
every named server UPGRADING; the last cluster read after the task ended is held to how it ended.

Only what was observed is judged; everything asked or seen that could not be judged is said.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from contracts._pointer import join
from contracts.ocp import (
    CONTROL_CALLS,
    EXECUTE,
    FAILED,
    PENDING,
    RETRY,
    ROLLBACK,
    ROLLBACK_SKIP,
    RUNNING,
    SKIP,
    SUCCESSFUL,
    TASK_NOT_FOUND_CODE,
    TASK_PROHIBITS_ROLLBACK_CODE,
    TASK_STATE_INVALID_CODE,
    TERMINAL_TASK,
    UNDOING,
    ControlCall,
    id_or_none,
)
from contracts.rules import servers as server_rules
from contracts.rules._ids import index_by_id, subtask_objects, text
from contracts.rules.effects import EFFECTS, Effect
from contracts.rules.transitions import AcceptedCall
from contracts.violations import Violation, describe

__all__ = ["LifecycleChecker", "LifecycleResult", "Observation", "accepted_call", "check_lifecycle"]

_CALLS: dict[str, ControlCall] = {call.route: call for call in CONTROL_CALLS}
_TASK_WIDE = frozenset(route for route, call in _CALLS.items() if call.acts_on == "task")
_UNJUDGED_STATUSES = frozenset({401, 403, 405, 406, 415, 429})  # about the exchange, not the state
_SPEC_ERRORS = "#/components/schemas/ApiError"

Params = Mapping[str, int | tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class Observation:
    """One exchange of a sequence: which operation (a short name of ``contracts.ocp.ROUTES`` or
    ``LIFECYCLE_ROUTES``), its path parameters (``id``, ``obproxyIds``, ``taskInstanceId``,
    ``subtaskInstanceId``), the HTTP status, the parsed response body (``None`` when absent) and
    the parsed request body (the upgrade's ``{"shortRpmName": ...}``)."""

    route: str
    params: Mapping[str, int | tuple[int, ...]]
    status: int
    body: Any
    request_body: Any = None


@dataclass(frozen=True, slots=True)
class LifecycleResult:
    """What a sequence showed: each violation with the index (from 0, in the order observed) of the
    exchange it points into, and what could not be judged, in words."""

    violations: tuple[tuple[int, Violation], ...]
    not_judged: tuple[str, ...]


def accepted_call(observation: Observation) -> AcceptedCall | None:
    """The control call ``observation`` shows accepted (a 2xx to a control route), else ``None`` —
    what :func:`contracts.rules.transitions.check_transition` takes as ``accepted_calls``."""
    if observation.route not in _CALLS or not 200 <= observation.status < 300:
        return None
    return AcceptedCall(observation.route, _param(observation.params, "subtaskInstanceId"))


def check_lifecycle(
    observations: Iterable[Observation], *, expected_version: str | None = None
) -> LifecycleResult:
    """Every lifecycle and server violation of a sequence, and what it could not judge."""
    checker = LifecycleChecker(expected_version=expected_version)
    found = [
        (index, violation) for index, obs in enumerate(observations) for violation in checker.observe(obs)
    ]
    found += checker.finish()
    return LifecycleResult(tuple(found), tuple(checker.not_judged()))


def _param(params: Params, name: str) -> int | None:
    value = params.get(name)
    return id_or_none(value) if not isinstance(value, tuple) else None


def _ids_param(params: Params, name: str) -> tuple[int, ...]:
    value = params.get(name)
    if isinstance(value, tuple):
        return tuple(key for key in map(id_or_none, value) if key is not None)
    key = id_or_none(value)
    return () if key is None else (key,)


def _data(body: object) -> Any:
    return body.get("data") if isinstance(body, Mapping) else None


def _error_code(body: object) -> int | None:
    error = body.get("error") if isinstance(body, Mapping) else None
    return id_or_none(error.get("code")) if isinstance(error, Mapping) else None


def _where(index: int) -> str:
    return f"exchange {index + 1}"


def _subtask(task: Mapping[str, Any] | None, subtask_id: int) -> tuple[int, Mapping[str, Any]] | None:
    return index_by_id(subtask_objects(task)).get(subtask_id) if task is not None else None


@dataclass(slots=True)
class _Upgrade:
    """An accepted upgrade: its task, its cluster, the servers it names, the package's version and
    what each named server reported before it (``None``: the cluster was not read before)."""

    index: int
    task_id: int
    created: Mapping[str, Any]
    cluster_id: int | None
    named: tuple[int, ...]
    wanted: server_rules.PackageVersion | None
    before: dict[int, object] | None


@dataclass(slots=True)
class _Judgement:
    """What the state last observed says of one control call: allowed or not, whether that state
    could have moved by itself since, the rule an acceptance breaks and the refusal it is owed."""

    allowed: bool
    stable: bool
    rule: str = ""
    reason: str = ""
    refusal: tuple[int, int | None] = (400, TASK_STATE_INVALID_CODE)


@dataclass
class LifecycleChecker:
    """Judges a sequence of exchanges fed in order: :meth:`observe` each one (violations of that
    exchange), then :meth:`finish` (effects and servers, over the whole sequence) and
    :meth:`not_judged` (what could not be judged, in words).

    ``expected_version``: the version the upgraded servers must report, when the package name
    does not say it as they spell it.
    """

    expected_version: str | None = None
    _count: int = field(default=0, init=False)
    _snapshots: dict[int, Mapping[str, Any]] = field(default_factory=dict, init=False)
    _polls: dict[int, list[tuple[int, Mapping[str, Any]]]] = field(default_factory=dict, init=False)
    _absent_tasks: set[int] = field(default_factory=set, init=False)
    _seen_subtasks: set[int] = field(default_factory=set, init=False)
    _effects: list[Effect] = field(default_factory=list, init=False)
    _upgrades: list[_Upgrade] = field(default_factory=list, init=False)
    _cluster_reads: dict[int, list[tuple[int, dict[int, server_rules.ServerView]]]] = field(
        default_factory=dict, init=False
    )
    _notes: list[str] = field(default_factory=list, init=False)
    _finish_notes: list[str] = field(default_factory=list, init=False)

    # --- feeding --------------------------------------------------------------------------------

    def observe(self, obs: Observation) -> list[Violation]:
        """The violations of ``obs`` against what came before it (pointers into its body)."""
        index, self._count = self._count, self._count + 1
        if obs.route == "upgrade":
            self._upgrade(index, obs)
            return []
        if obs.route == "task":
            self._task_read(index, obs)
            return []
        if obs.route == "cluster":
            self._cluster_read(index, obs)
            return []
        if obs.route == "subtask-log":
            return list(self._log_read(index, obs))
        call = _CALLS.get(obs.route)
        return list(self._control(index, obs, call)) if call is not None else []

    def not_judged(self) -> list[str]:
        """What was asked or seen but could not be judged, each once, in the order it arose."""
        return list(dict.fromkeys([*self._notes, *self._finish_notes]))

    def finish(self) -> list[tuple[int, Violation]]:
        """End-of-sequence judgements — effects of accepted calls and the named servers — each with
        the index of the exchange its pointer is into. May be called again after more observations."""
        self._finish_notes = []
        found = [located for effect in self._effects for located in self._effect(effect)]
        for upgrade in self._upgrades:
            found += self._servers(upgrade)
        return found

    # --- reads ----------------------------------------------------------------------------------

    def _remember(self, task: Mapping[str, Any]) -> int | None:
        key = id_or_none(task.get("id"))
        if key is not None:
            self._snapshots[key] = task
            self._absent_tasks.discard(key)  # an id read as absent before the task was created
            self._seen_subtasks.update(index_by_id(subtask_objects(task)))
        return key

    def _upgrade(self, index: int, obs: Observation) -> None:
        data = _data(obs.body)
        if not 200 <= obs.status < 300 or not isinstance(data, Mapping):
            return
        task_id = self._remember(data)
        if task_id is None:
            return
        cluster_id = _param(obs.params, "id")
        named = _ids_param(obs.params, "obproxyIds")
        package = obs.request_body.get("shortRpmName") if isinstance(obs.request_body, Mapping) else None
        wanted = server_rules.package_version(self.expected_version or package)
        reads = self._cluster_reads.get(cluster_id, []) if cluster_id is not None else []
        before = {key: reads[-1][1][key].version for key in named if key in reads[-1][1]} if reads else None
        self._upgrades.append(_Upgrade(index, task_id, data, cluster_id, named, wanted, before))

    def _task_read(self, index: int, obs: Observation) -> None:
        task_id = _param(obs.params, "taskInstanceId")
        data = _data(obs.body)
        if obs.status == 404 and task_id is not None:
            self._absent_tasks.add(task_id)
        elif 200 <= obs.status < 300 and isinstance(data, Mapping):
            key = self._remember(data)
            if key is not None and (task_id is None or key == task_id):
                self._polls.setdefault(key, []).append((index, data))

    def _cluster_read(self, index: int, obs: Observation) -> None:
        cluster_id = _param(obs.params, "id")
        found = server_rules.servers_of(obs.body) if 200 <= obs.status < 300 else None
        if cluster_id is not None and found is not None:
            self._cluster_reads.setdefault(cluster_id, []).append((index, found))

    def _log_read(self, index: int, obs: Observation) -> Iterator[Violation]:
        task_id, subtask_id = _param(obs.params, "taskInstanceId"), _param(obs.params, "subtaskInstanceId")
        if task_id is None or subtask_id is None:
            return
        absent = self._subtask_absent(task_id, subtask_id)
        if 200 <= obs.status < 300:
            data = _data(obs.body)
            log = data.get("log") if isinstance(data, Mapping) else None
            if absent and log not in (None, ""):
                yield self._unknown_accepted(obs, "subtask-log", task_id, subtask_id, "returned a log of it")
        elif obs.status not in _UNJUDGED_STATUSES and obs.status < 500:
            expected = (404, TASK_NOT_FOUND_CODE) if absent else None
            yield from self._refusal(index, obs, "subtask-log", expected, {(404, TASK_NOT_FOUND_CODE)})

    # --- control calls --------------------------------------------------------------------------

    def _subtask_absent(self, task_id: int, subtask_id: int) -> bool:
        """Whether a subtask is proven absent: its task is, or its task's snapshot does not list it;
        and it was seen in no task at all (OCP Express finds a subtask by its id alone)."""
        if subtask_id in self._seen_subtasks:
            return False
        task = self._snapshots.get(task_id)
        return task_id in self._absent_tasks or (task is not None and isinstance(task.get("subtasks"), list))

    def _control(self, index: int, obs: Observation, call: ControlCall) -> Iterator[Violation]:
        task_id = _param(obs.params, "taskInstanceId")
        subtask_id = _param(obs.params, "subtaskInstanceId") if call.acts_on == "subtask" else None
        if task_id is None or (call.acts_on == "subtask" and subtask_id is None):
            self._notes.append(f"{call.route} at {_where(index)}: the ids it named could not be read")
            return
        what = f"{call.route} of task {task_id}" + (
            f" subtask {subtask_id}" if subtask_id is not None else ""
        )
        accepted = 200 <= obs.status < 300
        absent = (
            self._subtask_absent(task_id, subtask_id)
            if subtask_id is not None
            else task_id in self._absent_tasks
        )
        if absent:
            if accepted:
                yield self._unknown_accepted(obs, call.route, task_id, subtask_id, "accepted it")
            elif obs.status not in _UNJUDGED_STATUSES and obs.status < 500:
                yield from self._refusal(index, obs, what, (404, TASK_NOT_FOUND_CODE), self._documented(call))
            return
        judgement = self._judge(call, task_id, subtask_id, index, what)
        if accepted:
            yield from self._accepted(index, obs, call, judgement, task_id, subtask_id, what)
        elif obs.status in _UNJUDGED_STATUSES or obs.status >= 500:
            self._notes.append(f"{what} at {_where(index)} was answered {obs.status}: not a refusal by state")
        elif judgement is None or not judgement.stable:
            yield from self._refusal(index, obs, what, None, self._documented(call))
        elif judgement.allowed:
            yield self._wrongly_refused(obs, what, judgement)
        else:
            yield from self._refusal(index, obs, what, judgement.refusal, self._documented(call))

    @staticmethod
    def _documented(call: ControlCall) -> set[tuple[int, int | None]]:
        refusals: set[tuple[int, int | None]] = {(404, TASK_NOT_FOUND_CODE), (400, call.refusal_code)}
        if call.route == "task-rollback":
            refusals.add((400, TASK_PROHIBITS_ROLLBACK_CODE))
        if call.route == "subtask-skip":
            refusals.add((400, None))  # the refusal of a skip prohibitSkip forbids is not documented
        return refusals

    def _judge(
        self, call: ControlCall, task_id: int, subtask_id: int | None, index: int, what: str
    ) -> _Judgement | None:
        """What the last observed state says of the call; ``None`` (and a note) when it says nothing."""
        task = self._snapshots.get(task_id)
        if task is None:
            self._notes.append(f"{what} at {_where(index)}: the task's state before it was never observed")
            return None
        status, operation = text(task, "status"), text(task, "operation")
        finished = status in TERMINAL_TASK
        if subtask_id is None:
            if status != FAILED:
                return _Judgement(False, finished, _out_of_state(call.route), f"the task was {status}")
            if call.route == "task-retry" and operation == ROLLBACK:
                return _Judgement(
                    False,
                    True,
                    "control.retry-out-of-state",
                    "the task was rolled back (FAILED under ROLLBACK)",
                )
            if call.route == "task-rollback" and _prohibits_rollback(task):
                return _Judgement(
                    False, True, "control.rollback-prohibited", "the task has prohibitRollback: true",
                    (400, TASK_PROHIBITS_ROLLBACK_CODE),
                )  # fmt: skip
            return _Judgement(True, True)
        located = _subtask(task, subtask_id)
        if located is None:
            self._notes.append(
                f"{what} at {_where(index)}: subtask {subtask_id} is not in task {task_id}'s last snapshot "
                "but was seen elsewhere; OCP Express acts on the subtask id alone"
            )
            return None
        subtask = located[1]
        sub_status, sub_operation = text(subtask, "status"), text(subtask, "operation")
        stable = (finished and sub_status in (PENDING, FAILED, SUCCESSFUL)) or (
            sub_status == SUCCESSFUL and operation != ROLLBACK
        )
        if sub_status not in call.allowed_from:
            return _Judgement(
                False, stable, _out_of_state(call.route), f"subtask {subtask_id} was {sub_status}"
            )
        if call.route == "subtask-retry" and sub_operation in UNDOING:
            return _Judgement(
                False, stable, _out_of_state(call.route), f"subtask {subtask_id} is under {sub_operation}"
            )
        if call.route == "subtask-skip" and subtask.get("prohibitSkip") is True:
            return _Judgement(
                False,
                stable,
                _out_of_state(call.route),
                f"subtask {subtask_id} has prohibitSkip: true",
                (400, None),
            )
        return _Judgement(True, stable)

    def _accepted(
        self,
        index: int,
        obs: Observation,
        call: ControlCall,
        judgement: _Judgement | None,
        task_id: int,
        subtask_id: int | None,
        what: str,
    ) -> Iterator[Violation]:
        yield from self._answer(obs, call, task_id, subtask_id, what)
        before = self._snapshots.get(task_id)
        data = _data(obs.body)
        if (
            call.answers.startswith("task")
            and isinstance(data, Mapping)
            and id_or_none(data.get("id")) == task_id
        ):
            self._remember(data)
        if judgement is None:
            return
        if not judgement.allowed:
            if judgement.stable:
                yield Violation(
                    rule=judgement.rule,
                    pointer=join("status"),
                    message=f"{what} was accepted ({obs.status}) although {judgement.reason} when last seen",
                    expected=f"a refusal: {judgement.refusal[0]} with code {_code(judgement.refusal[1])}",
                    actual=f"{obs.status}",
                    spec=_spec_of(call),
                    hint="OCP refuses this call in that state (ocp-api.md §5a)",
                )
            else:
                self._notes.append(
                    f"{what} at {_where(index)} was accepted although {judgement.reason} when last seen; "
                    "it may have moved since (poll it right before the call to judge this)"
                )
            return
        if before is not None:
            self._effects.append(Effect(call.route, index, task_id, subtask_id, before))

    def _answer(
        self, obs: Observation, call: ControlCall, task_id: int, subtask_id: int | None, what: str
    ) -> Iterator[Violation]:
        data = _data(obs.body)
        if not isinstance(data, Mapping) or call.answers == "nothing":
            return
        wanted, kind = (subtask_id, "subtask") if call.answers == "subtask" else (task_id, "task")
        got = id_or_none(data.get("id"))
        if got is not None and wanted is not None and got != wanted:
            yield Violation(
                rule="control.answer-other-task",
                pointer=join("data", "id"),
                message=f"{what} was answered with {kind} {got}",
                expected=f"{kind} {wanted}",
                actual=f"{kind} {got}",
                spec=_spec_of(call),
            )

    def _unknown_accepted(
        self, obs: Observation, route: str, task_id: int, subtask_id: int | None, did: str
    ) -> Violation:
        named = f"subtask {subtask_id} of task {task_id}" if subtask_id is not None else f"task {task_id}"
        proof = "its task was answered 404" if task_id in self._absent_tasks else "it was seen in no task"
        return Violation(
            rule="control.unknown-id-accepted",
            pointer=join("status"),
            message=f"{route} naming {named}, which does not exist ({proof}), {did} ({obs.status})",
            expected=f"404 with code {TASK_NOT_FOUND_CODE}",
            actual=str(obs.status),
            spec=_SPEC_ERRORS,
        )

    def _refusal(
        self,
        index: int,
        obs: Observation,
        what: str,
        expected: tuple[int, int | None] | None,
        documented: set[tuple[int, int | None]],
    ) -> Iterator[Violation]:
        """``control.refusal-mismatch`` when the refusal is not ``expected`` (any ``documented`` one
        when the state does not say which)."""
        if obs.status == 400 and _invalid_id(obs.params):
            return  # OCP validates a path id below 1 before it looks for the task: any 400 is owed
        code = _error_code(obs.body)
        got = (obs.status, code)
        wanted = {expected} if expected is not None else documented
        if got in wanted or (obs.status, None) in wanted:
            return
        statuses = {status for status, _ in wanted}
        pointer = join("error", "code") if obs.status in statuses else join("status")
        yield Violation(
            rule="control.refusal-mismatch",
            pointer=pointer,
            message=f"{what} was refused with {obs.status} and code {_code(code)}, not as documented",
            expected=" or ".join(sorted(f"{status} with code {_code(c)}" for status, c in wanted)),
            actual=f"{obs.status} with code {_code(code)}",
            spec=_SPEC_ERRORS,
            hint="unknown task or subtask: 404/20000; wrong state: 400/20003; prohibited rollback: 400/20004",
        )

    def _wrongly_refused(self, obs: Observation, what: str, judgement: _Judgement) -> Violation:
        code = _code(_error_code(obs.body))
        return Violation(
            rule="control.refusal-mismatch",
            pointer=join("status"),
            message=f"{what} was refused ({obs.status}, code {code}) although the state last seen allows it",
            expected="2xx",
            actual=str(obs.status),
            spec=_SPEC_ERRORS,
        )

    # --- effects --------------------------------------------------------------------------------

    def _window(self, effect: Effect) -> list[tuple[int, Mapping[str, Any]]]:
        """The polls of the task after the call and before its next task retry or rollback."""
        end = min(
            (
                other.index
                for other in self._effects
                if other.task_id == effect.task_id
                and other.index > effect.index
                and other.route in _TASK_WIDE
            ),
            default=self._count,
        )
        return [(i, snap) for i, snap in self._polls.get(effect.task_id, []) if effect.index < i < end]

    def _effect(self, effect: Effect) -> Iterator[tuple[int, Violation]]:
        what = f"{effect.route} of task {effect.task_id}" + (
            f" subtask {effect.subtask_id}" if effect.subtask_id is not None else ""
        )
        polls = self._window(effect)
        if not polls:
            self._finish_notes.append(f"{what} at {_where(effect.index)}: the task was not polled after it")
            return
        judge = EFFECTS[effect.route]
        last_index, last = polls[-1]
        verdict = judge(effect, [snap for _, snap in polls])
        if verdict is None:
            return
        if isinstance(verdict, str):
            self._finish_notes.append(f"{what} at {_where(effect.index)}: {verdict}")
            return
        if text(last, "status") not in TERMINAL_TASK and not verdict.final:
            self._finish_notes.append(
                f"{what} at {_where(effect.index)}: its effect was not seen yet and the task was still "
                f"{describe(last.get('status'))} at its last poll"
            )
            return
        yield (
            last_index,
            Violation(
                rule=verdict.rule,
                pointer=join("data", *verdict.path),
                message=f"{what} was accepted at {_where(effect.index)} but {verdict.message}",
                expected=verdict.expected,
                actual=verdict.actual,
                spec=_spec_of(_CALLS[effect.route]),
            ),
        )

    # --- servers --------------------------------------------------------------------------------

    def _servers(self, upgrade: _Upgrade) -> Iterator[tuple[int, Violation]]:
        every = self._cluster_reads.get(upgrade.cluster_id, []) if upgrade.cluster_id is not None else []
        # A later upgrade of any of the same servers speaks for them from its acceptance on.
        until = min(
            (
                later.index
                for later in self._upgrades
                if later.index > upgrade.index
                and later.cluster_id == upgrade.cluster_id
                and not set(later.named).isdisjoint(upgrade.named)
            ),
            default=None,
        )
        reads = [(i, found) for i, found in every if i > upgrade.index and (until is None or i < until)]
        polls = [(upgrade.index, upgrade.created)] + [
            (i, snap) for i, snap in self._polls.get(upgrade.task_id, []) if i > upgrade.index
        ]
        for index, found in reads:
            earlier = [snap for i, snap in polls if i < index]
            later = [snap for i, snap in polls if i > index]
            if earlier and later and _working(earlier[-1]) and _working(later[0], before_finish=True):
                for violation in server_rules.not_upgrading(found, upgrade.named, upgrade.task_id):
                    yield index, violation
        end = _ended_at(polls)
        name = f"upgrade task {upgrade.task_id}"
        after = [(i, found) for i, found in reads if end is not None and i > end[0]]
        if not after:
            if reads or upgrade.cluster_id is not None:
                self._finish_notes.append(f"the servers of {name} were not read after it ended: not judged")
            return
        index, found = after[-1]
        task = end[1] if end is not None else {}
        status, operation = text(task, "status"), text(task, "operation")
        ended = f"{status}" + (" under ROLLBACK" if operation == ROLLBACK else "")
        for violation in server_rules.still_upgrading(found, upgrade.named, upgrade.task_id, ended):
            yield index, violation
        skipped = any(text(sub, "operation") in (SKIP, ROLLBACK_SKIP) for _, sub in subtask_objects(task))
        if status == SUCCESSFUL and operation != ROLLBACK and not skipped:
            if upgrade.wanted is None:
                self._finish_notes.append(
                    f"{name} ended SUCCESSFUL but no package version is known: versions not judged"
                )
                return
            for violation in server_rules.not_upgraded(found, upgrade.named, upgrade.task_id, upgrade.wanted):
                yield index, violation
        elif skipped:
            self._finish_notes.append(f"{name} skipped a subtask: the servers' versions are not judged")
        elif upgrade.before is None:
            self._finish_notes.append(
                f"{name} ended {ended} but its servers were not read before it: versions not judged"
            )
        else:
            also = upgrade.wanted if status == FAILED and operation != ROLLBACK else None
            how = "failed" if also is not None else f"ended {ended}"
            for violation in server_rules.version_changed(found, upgrade.before, upgrade.task_id, how, also):
                yield index, violation


def _invalid_id(params: Mapping[str, int | tuple[int, ...]]) -> bool:
    """Whether a path id is below 1, which OCP's parameter validation refuses (400) on its own."""
    values = [v for value in params.values() for v in (value if isinstance(value, tuple) else (value,))]
    return any(v < 1 for v in values)


def _out_of_state(route: str) -> str:
    return {
        "task-retry": "control.retry-out-of-state",
        "task-rollback": "control.rollback-out-of-state",
        "subtask-retry": "control.subtask-retry-out-of-state",
        "subtask-skip": "control.skip-out-of-state",
        "subtask-cancel": "control.cancel-out-of-state",
    }[route]


def _code(code: int | None) -> str:
    return "any" if code is None else str(code)


def _spec_of(call: ControlCall) -> str:
    return f"ocp-api.md §5a ({call.route})"


def _prohibits_rollback(task: Mapping[str, Any]) -> bool:
    """``prohibitRollback`` as sent; else the context's ``prohibit_rollback`` (OCP Express computes
    the field from it and from the finished subtasks' own flags)."""
    flag = task.get("prohibitRollback")
    if isinstance(flag, bool):
        return flag
    context = task.get("context")
    strings = context.get("stringMap") if isinstance(context, Mapping) else None
    return isinstance(strings, Mapping) and bool(strings.get("prohibit_rollback") == "true")


def _working(task: Mapping[str, Any], *, before_finish: bool = False) -> bool:
    """Whether a poll shows the upgrade at work: RUNNING forward (and, ``before_finish``, its
    finish node — the subtasks without downstreams — not dispatched yet)."""
    if text(task, "status") != RUNNING or text(task, "operation") not in (EXECUTE, RETRY, None):
        return False
    if not before_finish:
        return True
    finish = [sub for _, sub in subtask_objects(task) if sub.get("downstreams") == []]
    return bool(finish) and all(text(sub, "status") == PENDING for sub in finish)


def _ended_at(polls: list[tuple[int, Mapping[str, Any]]]) -> tuple[int, Mapping[str, Any]] | None:
    """The first poll of the final run of polls showing the task ended (and that poll's last one)."""
    if not polls or text(polls[-1][1], "status") not in TERMINAL_TASK:
        return None
    start = len(polls) - 1
    while start > 0 and text(polls[start - 1][1], "status") in TERMINAL_TASK:
        start -= 1
    return polls[start][0], polls[-1][1]
