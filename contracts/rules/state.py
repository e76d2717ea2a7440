"""State rules: which statuses and times may co-exist in one snapshot of a task.

They follow from how OCP's task engine runs the graph: a subtask is dispatched only once its
upstreams succeeded; a task is SUCCESSFUL when every subtask is, FAILED when one failed and none
runs any more, and it stamps ``finishTime`` when it ends. Rule ids (pointers relative to the
task): ``state.upstream-not-successful``, ``state.task-successful-unfinished-subtask``,
``state.task-failed-without-failed-subtask``, ``state.task-failed-with-running-subtask``,
``state.finish-before-start``; warnings ``state.running-task-all-terminal`` and
``state.terminal-task-without-finish-time``.

Where the docs are silent, OCP Express's engine decides (the spec's ``TaskStatus`` says how):
a rollback runs the graph backwards, so upstream order is not checked under ROLLBACK and its
PENDING subtasks count as finished; a FAILED task may still show a subtask CANCELING or
RUNNING under CANCEL; a RUNNING task may have only terminal subtasks while a FAILED one has
retries left. Each field is read once for all subtasks and most questions are answered from
sets, so 100,000 subtasks cost a few passes over a list.

A FAILED task may keep a READY subtask, and must be allowed to: OCP Express's
``RunningTaskWorker.updateState`` keeps a task RUNNING only while a subtask is RUNNING
(``SubtaskInstanceEntity.isRunning`` is ``state == RUNNING``) and marks it FAILED once one has
failed, while a READY subtask waits for an idle runner thread (``ReadySubtaskWorker``,
``existIdleWorker``). A branch dispatched but not yet picked up when its sibling fails therefore
stands READY under the FAILED task; one snapshot of it cannot be told from a premature failure,
which shows only on a later poll, once that branch runs — and even then only if it started
no later than the task's ``finishTime``: ``ReadySubtaskWorker`` starts a READY subtask without looking
at its task's state, so a branch picked up after the failure runs under the FAILED task.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import chain, compress, repeat
from typing import Any, NamedTuple, cast

from contracts._pointer import join
from contracts.ocp import (
    CANCEL,
    CANCELING,
    FAILED,
    PENDING,
    READY,
    ROLLBACK,
    RUNNING,
    SUBTASK_STATUSES,
    SUCCESSFUL,
    TERMINAL_SUBTASK,
    TERMINAL_TASK,
    UNDOING,
)
from contracts.rules._ids import id_key, listed_ids, only, text
from contracts.violations import Severity, Violation, describe

__all__ = ["check_state"]

_DISPATCHED = frozenset({READY, RUNNING, CANCELING, SUCCESSFUL})
#: An upstream in one of these holds its downstreams back.
_BLOCKING = frozenset(SUBTASK_STATUSES) - {SUCCESSFUL}
_BACKWARD = UNDOING
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_SPEC_TASK_STATUS = "#/components/schemas/TaskStatus"
_SPEC_SUBTASK_STATUS = "#/components/schemas/SubtaskStatus"
_SPEC_TASK = "#/components/schemas/TaskInstance"
_BLOCK = 4096  # subtasks read at a time (see _read_plain)


class _Subtasks(NamedTuple):
    """The subtasks that are objects, their positions in ``subtasks``, and each one's string status."""

    indexes: Sequence[int]
    objects: list[Mapping[str, Any]]
    statuses: list[str | None]  # ``None`` where the status is absent or not a string
    plain: bool  # every item of ``subtasks`` is a dict: fields can be read in bulk
    kinds: frozenset[str | None] = frozenset()  # the distinct values of ``statuses``
    finish_times: Sequence[Any] = ()  # each subtask's ``finishTime`` as sent (``None`` where absent)
    #: positions (in ``objects``) of the READY, RUNNING, CANCELING and SUCCESSFUL subtasks, when
    #: the reading found them; ``None``: pick them from ``statuses``
    dispatched: Sequence[int] | None = None

    def field(self, name: str) -> list[Any]:
        """``name`` of every subtask object, in order (``None`` where absent)."""
        if self.plain:
            return list(map(dict.get, cast(list[dict[str, Any]], self.objects), repeat(name)))
        return [subtask.get(name) for subtask in self.objects]

    def where(self, mask: Iterable[object]) -> Iterator[tuple[int, Mapping[str, Any], str | None]]:
        """``(index, subtask, status)`` of the subtasks whose ``mask`` entry is true (picked in bulk)."""
        return self.at(compress(range(len(self.objects)), mask))

    def at(self, positions: Iterable[int]) -> Iterator[tuple[int, Mapping[str, Any], str | None]]:
        """``(index, subtask, status)`` of the subtasks at ``positions`` (in ``objects``)."""
        for position in positions:
            yield self.indexes[position], self.objects[position], self.statuses[position]


def _subtasks(task: Mapping[str, Any]) -> _Subtasks:
    items = task.get("subtasks")
    if not isinstance(items, list):
        return _Subtasks((), [], [], plain=True)
    try:  # dict.get refuses anything but a dict: all objects, the usual case
        located, hashable = _read_plain(items)
    except TypeError:
        pairs = [(index, item) for index, item in enumerate(items) if isinstance(item, Mapping)]
        located = _Subtasks([index for index, _ in pairs], [item for _, item in pairs], [], plain=False)
        located = located._replace(statuses=located.field("status"), finish_times=located.field("finishTime"))
        kinds = _kinds(located.statuses)
        hashable = kinds is not None
        located = located._replace(kinds=kinds or frozenset())
    if not hashable or not only(located.kinds - {None}, str):  # a status not a string counts as none
        statuses = [status if isinstance(status, str) else None for status in located.statuses]
        located = located._replace(statuses=statuses, kinds=frozenset(statuses), dispatched=None)
    return located


def _read_plain(items: list[Any]) -> tuple[_Subtasks, bool]:
    """Read ``items`` (all dicts) :data:`_BLOCK` subtasks at a time: ``status`` and ``finishTime``,
    the distinct statuses and where the dispatched subtasks are — each pass over a block finds its
    objects and their status strings still in the CPU's cache.

    Raises ``TypeError`` when an item is not a dict (``dict.get`` refuses it). The flag says
    whether every status could be hashed (else ``kinds`` and ``dispatched`` are not filled in).
    """
    statuses: list[Any] = []
    finish_times: list[Any] = []
    kinds: set[Any] | None = set()
    dispatched: list[int] = []
    for begin in range(0, len(items), _BLOCK):
        block = items[begin : begin + _BLOCK]
        found = list(map(dict.get, block, repeat("status")))
        finish_times += map(dict.get, block, repeat("finishTime"))
        statuses += found
        new = _kinds(found) if kinds is not None else None
        if kinds is None or new is None:
            kinds = None
            continue
        kinds |= new
        if not _DISPATCHED.isdisjoint(new):
            dispatched += compress(range(begin, begin + len(found)), map(_DISPATCHED.__contains__, found))
    located = range(len(items))  # built once, whole: NamedTuple._replace costs microseconds a task
    if kinds is None:
        return _Subtasks(located, items, statuses, True, frozenset(), finish_times), False
    return _Subtasks(located, items, statuses, True, frozenset(kinds), finish_times, dispatched), True


def _kinds(statuses: list[Any]) -> frozenset[Any] | None:
    """The distinct statuses, in one pass; ``None`` when one cannot be hashed (an array, an object).

    Most questions the rules ask of all subtasks — is one FAILED, is any dispatched — are then
    answered from these few values without another pass over the subtasks.
    """
    try:
        return frozenset(statuses)
    except TypeError:
        return None


def check_state(task: object) -> Iterator[Violation]:
    """Yield the status and time violations of ``task`` (a task object with ``subtasks``)."""
    if type(task) is not dict and not isinstance(task, Mapping):
        return
    subtasks = _subtasks(task)
    yield from _ordering(task, subtasks)
    yield from _task_status(task, subtasks)
    yield from _finish_before_start(task, ())
    for index, subtask, _ in subtasks.where(subtasks.finish_times):
        yield from _finish_before_start(subtask, ("subtasks", index))
    yield from _unsettled_task(task, subtasks)


def _ordering(task: Mapping[str, Any], subtasks: _Subtasks) -> Iterator[Violation]:
    """Dispatched subtasks whose upstreams have not all succeeded (forward execution only)."""
    if text(task, "operation") == ROLLBACK:
        return
    dispatched = list(_dispatched(subtasks))
    if not dispatched or _nothing_blocks(subtasks, dispatched):
        return
    statuses = _statuses(subtasks)
    for index, subtask, status in dispatched:
        own = id_key(subtask.get("id"))
        for position, upstream in listed_ids(subtask, "upstreams"):
            upstream_status = statuses.get(upstream) if upstream != own else None  # a self-loop is dag's
            if upstream_status in _BLOCKING:
                yield Violation(
                    rule="state.upstream-not-successful",
                    pointer=join("subtasks", index, "upstreams", position),
                    message=f"subtask {describe(subtask.get('id'))} is {status} "
                    f"although its upstream {upstream} is {upstream_status}",
                    expected=f"upstream {upstream} SUCCESSFUL",
                    actual=f"{upstream_status}",
                    spec=_SPEC_SUBTASK_STATUS,
                    hint="a subtask is dispatched only after all its upstreams succeeded",
                )


def _dispatched(subtasks: _Subtasks) -> Iterator[tuple[int, Mapping[str, Any], str]]:
    """READY, RUNNING, CANCELING and SUCCESSFUL subtasks with upstreams, moving forward.

    Candidates are picked in bulk by status; only they are looked at one by one.
    """
    if _DISPATCHED.isdisjoint(subtasks.kinds):
        return
    if subtasks.dispatched is None:
        candidates = subtasks.where(map(_DISPATCHED.__contains__, subtasks.statuses))
    else:
        candidates = subtasks.at(subtasks.dispatched)
    for index, subtask, status in candidates:
        if status and subtask.get("upstreams") and text(subtask, "operation") not in _BACKWARD:
            yield index, subtask, status


def _nothing_blocks(subtasks: _Subtasks, dispatched: list[tuple[int, Mapping[str, Any], str]]) -> bool:
    """Whether, tested in bulk, no upstream listed by a dispatched subtask can be holding it back.

    True when no subtask at all is in a blocking status, or — ids and upstreams being plain
    integers — when the blocking subtasks' ids and the listed upstreams have nothing in common.
    """
    if _BLOCKING.isdisjoint(subtasks.kinds):
        return True
    blocking = list(compress(subtasks.objects, map(_BLOCKING.__contains__, subtasks.statuses)))
    upstreams: list[Any] = [subtask.get("upstreams") for _, subtask, _ in dispatched]
    if not (only(upstreams, list) and only(chain.from_iterable(upstreams), int)):
        return False
    blocking_ids = [subtask.get("id") for subtask in blocking]
    return only(blocking_ids, int) and set(blocking_ids).isdisjoint(chain.from_iterable(upstreams))


def _statuses(subtasks: _Subtasks) -> dict[int, str]:
    """The first string status seen for each usable id."""
    statuses: dict[int, str] = {}
    for subtask, status in zip(subtasks.objects, subtasks.statuses, strict=True):
        key = id_key(subtask.get("id"))
        if key is not None and status is not None:
            statuses.setdefault(key, status)
    return statuses


def _task_status(task: Mapping[str, Any], subtasks: _Subtasks) -> Iterator[Violation]:
    status = text(task, "status")
    if status not in TERMINAL_TASK or not isinstance(task.get("subtasks"), list):
        return
    if status == SUCCESSFUL:
        yield from _unfinished(task, subtasks)
    else:
        yield from _failed(subtasks, _instant(task.get("finishTime")))


def _rolled_back(task: Mapping[str, Any], subtasks: _Subtasks) -> bool:
    """Whether the snapshot shows a rollback: the task's operation, or — for task-list items,
    which carry none — a subtask's operation ROLLBACK or ROLLBACK_SKIP."""
    if text(task, "operation") == ROLLBACK:
        return True
    operations = subtasks.field("operation")
    try:
        return not _BACKWARD.isdisjoint(operations)
    except TypeError:  # an operation that cannot be hashed (an array, an object): the schema's business
        return any(isinstance(operation, str) and operation in _BACKWARD for operation in operations)


def _unfinished(task: Mapping[str, Any], subtasks: _Subtasks) -> Iterator[Violation]:
    settled = {SUCCESSFUL, None}
    if settled.issuperset(subtasks.kinds):
        return
    if PENDING in subtasks.kinds and _rolled_back(task, subtasks):
        settled.add(PENDING)
        if settled.issuperset(subtasks.kinds):
            return
    for index, subtask, status in subtasks.where(status not in settled for status in subtasks.statuses):
        yield Violation(
            rule="state.task-successful-unfinished-subtask",
            pointer=join("subtasks", index, "status"),
            message=f"the task is SUCCESSFUL but subtask {describe(subtask.get('id'))} is {status}",
            expected=SUCCESSFUL,
            actual=str(status),
            spec=_SPEC_TASK_STATUS,
            hint="a task succeeds only when every subtask has",
        )


def _failed(subtasks: _Subtasks, failed_at: datetime | None) -> Iterator[Violation]:
    if FAILED not in subtasks.kinds:
        yield Violation(
            rule="state.task-failed-without-failed-subtask",
            pointer=join("status"),
            message="the task is FAILED but none of its subtasks is",
            expected="at least one FAILED subtask",
            actual="no FAILED subtask",
            spec=_SPEC_TASK_STATUS,
        )
    if RUNNING not in subtasks.kinds:
        return
    for index, subtask, status in subtasks.where(status == RUNNING for status in subtasks.statuses):
        if text(subtask, "operation") == CANCEL or _picked_up_after(subtask, failed_at):
            continue
        yield Violation(
            rule="state.task-failed-with-running-subtask",
            pointer=join("subtasks", index, "status"),
            message=f"the task is FAILED while subtask {describe(subtask.get('id'))} is still {status}",
            expected="FAILED, SUCCESSFUL, PENDING, READY, CANCELING, or RUNNING under operation CANCEL",
            actual=f"{status} under operation {describe(subtask.get('operation'))}",
            spec=_SPEC_TASK_STATUS,
            hint="the engine marks a task FAILED only once no subtask runs (a subtask being cancelled aside)",
        )


def _finish_before_start(item: Mapping[str, Any], prefix: tuple[str | int, ...]) -> Iterator[Violation]:
    started, finished = item.get("startTime"), item.get("finishTime")
    if started is None or finished is None or _surely_in_order(started, finished):
        return  # a time absent (a running task has no finishTime): nothing to compare
    start, finish = _instant(started), _instant(finished)
    if start is None or finish is None or finish >= start:
        return
    what = "the task" if not prefix else f"subtask {describe(item.get('id'))}"
    yield Violation(
        rule="state.finish-before-start",
        pointer=join(*prefix, "finishTime"),
        message=f"{what} finished before it started",
        expected=f"finishTime at or after startTime {started}",
        actual=str(finished),
        spec=_SPEC_TASK,
    )


def _surely_in_order(started: object, finished: object) -> bool:
    """A shortcut for the usual case: two times laid out alike (same length, separator and
    offset) compare as strings exactly as they compare as instants, so a finish not before the
    start needs no parsing. Anything else — or anything malformed — is left to :func:`_instant`.
    """
    return (
        isinstance(started, str)
        and isinstance(finished, str)
        and len(started) == len(finished) > 16
        and started[-6:] == finished[-6:]
        and started[10] == finished[10]
        and finished >= started
    )


def _picked_up_after(subtask: Mapping[str, Any], failed_at: datetime | None) -> bool:
    """Whether a RUNNING subtask started after its task was marked FAILED: a READY branch picked
    up late. OCP Express's ``ReadySubtaskWorker`` starts every READY subtask it finds without
    looking at its task's state, so such a branch runs under a FAILED task on a faithful OCP. One
    that started before the failure, or at the same instant, was running when the task was marked
    FAILED (two engine workers stamping the same millisecond is not taken for an order)."""
    started = _instant(subtask.get("startTime")) if failed_at is not None else None
    return started is not None and failed_at is not None and started > failed_at


def _instant(value: object) -> datetime | None:
    """An RFC 3339 date-time with an offset as an aware datetime; ``None`` when it is not one."""
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        return None
    try:
        return datetime.fromisoformat(value.upper())
    except ValueError:  # out of range (month 13, second 60, offset 24:00): the schema's business
        return None


def _unsettled_task(task: Mapping[str, Any], subtasks: _Subtasks) -> Iterator[Violation]:
    status = text(task, "status")
    if status == RUNNING and FAILED not in subtasks.kinds and _all_terminal(task, subtasks):
        yield Violation(
            rule="state.running-task-all-terminal",
            pointer=join("status"),
            message="the task is RUNNING although every subtask is SUCCESSFUL",
            expected="SUCCESSFUL or FAILED once no subtask can run",
            actual=RUNNING,
            severity=Severity.WARNING,
            spec=_SPEC_TASK_STATUS,
            hint="poll again: the engine may not have caught up yet",
        )
    if status in TERMINAL_TASK and task.get("finishTime") is None:
        yield Violation(
            rule="state.terminal-task-without-finish-time",
            pointer="",
            message=f"the task is {status} but has no finishTime",
            expected="finishTime set when the task ends",
            actual="absent",
            severity=Severity.WARNING,
            spec=_SPEC_TASK,
        )


def _all_terminal(task: Mapping[str, Any], subtasks: _Subtasks) -> bool:
    """Whether there are subtasks and every one is an object with a terminal status."""
    items = task.get("subtasks")
    if not isinstance(items, list) or not items or len(subtasks.objects) != len(items):
        return False
    return TERMINAL_SUBTASK.issuperset(subtasks.kinds)
