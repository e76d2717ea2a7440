"""Properties of the semantic rules over generated upgrade tasks.

* Any realistic upgrade DAG (random servers, steps, subtask order, ids spelled as ints or
  numeric strings) with statuses assigned coherently along a random topological order yields
  no violation at all.
* Each single mutation from a family — one end of an edge dropped, a dangling id, a
  duplicated subtask, a back edge (cycle), a self-loop, an incoherent status — is caught by
  exactly the rule for it, at the expected pointer.
* No JSON-shaped input makes a rule raise.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.rules import check_agreement, check_dag, check_state, check_transition
from contracts.violations import Violation
from tests.factories import by_id, make_upgrade_dag

Task = dict[str, Any]
Pairs = set[tuple[str, str]]
EXAMPLES = settings(max_examples=100, deadline=None)
FORWARD = ("PENDING", "READY", "RUNNING", "CANCELING", "FAILED")
T0 = 1630657918  # 2021-09-03T16:31:58+08:00, as seconds since the epoch


def _time(offset: int) -> str:
    hours, rest = divmod(T0 + offset + 8 * 3600, 3600)
    return f"2021-09-03T{hours % 24:02d}:{rest // 60:02d}:{rest % 60:02d}.000+08:00"


def _errors(violations: list[Violation]) -> Pairs:
    return {(v.rule, v.pointer) for v in violations if v.is_error}


# --- building coherent tasks -------------------------------------------------------------------


def _topological_order(task: Task, rng: random.Random) -> list[int]:
    """A random topological order (Kahn, picking the next ready subtask at random)."""
    subtasks = {s["id"]: s for s in task["subtasks"]}
    waiting = {key: len(s["upstreams"]) for key, s in subtasks.items()}
    ready = [key for key, count in waiting.items() if count == 0]
    order: list[int] = []
    while ready:
        key = ready.pop(rng.randrange(len(ready)))
        order.append(key)
        for target in subtasks[key]["downstreams"]:
            waiting[target] -= 1
            if waiting[target] == 0:
                ready.append(target)
    return order


def _assign_statuses(task: Task, rng: random.Random) -> None:
    """Statuses as the engine would leave them: a done prefix, a frontier, the rest PENDING."""
    subtasks = {s["id"]: s for s in task["subtasks"]}
    order = _topological_order(task, rng)
    done = set(order[: rng.randint(0, len(order))])
    for step, key in enumerate(order):
        subtask = subtasks[key]
        upstreams_done = all(up in done for up in subtask["upstreams"])
        status = "SUCCESSFUL" if key in done else rng.choice(FORWARD) if upstreams_done else "PENDING"
        subtask["status"] = status
        if status not in ("PENDING", "READY"):
            subtask["startTime"] = _time(10 * step)
        if status in ("SUCCESSFUL", "FAILED"):
            subtask["finishTime"] = _time(10 * step + rng.randint(0, 9))
    _settle_task(task, rng)


def _settle_task(task: Task, rng: random.Random) -> None:
    statuses = {s["status"] for s in task["subtasks"]}
    if statuses == {"SUCCESSFUL"}:
        task["status"] = "SUCCESSFUL"
    elif statuses == {"SUCCESSFUL", "FAILED"}:
        task["status"] = "FAILED"
    elif "FAILED" in statuses and not statuses & {"RUNNING", "CANCELING"}:
        task["status"] = rng.choice(["FAILED", "RUNNING"])  # other branches may still be dispatched
    else:
        task["status"] = "RUNNING"
    if task["status"] != "RUNNING":
        task["finishTime"] = _time(100_000)


def _spell_ids(task: Task, rng: random.Random) -> None:
    """Write some ids as numeric strings, as OCP does for Longs beyond 2^53."""

    def spell(key: int) -> int | str:
        return str(key) if rng.random() < 0.3 else key

    for subtask in task["subtasks"]:
        subtask["id"] = spell(subtask["id"])
        subtask["upstreams"] = [spell(key) for key in subtask["upstreams"]]
        subtask["downstreams"] = [spell(key) for key in subtask["downstreams"]]


@st.composite
def upgrade_tasks(draw: st.DrawFn, *, spell: bool = False) -> tuple[Task, random.Random]:
    rng = draw(st.randoms(use_true_random=False))
    task = make_upgrade_dag(
        servers=draw(st.integers(1, 5)), steps=draw(st.integers(1, 7)), seed=rng.randrange(2**32)
    )
    _assign_statuses(task, rng)
    if spell:
        _spell_ids(task, rng)
    return task, rng


# --- conforming tasks --------------------------------------------------------------------------


@EXAMPLES
@given(upgrade_tasks(spell=True))
def test_coherent_upgrade_tasks_conform(generated: tuple[Task, random.Random]) -> None:
    task, _ = generated
    requested = [int(key) for key in task["context"]["listMap"]["obproxy_server_ids"]]
    assert [*check_dag(task), *check_state(task), *check_agreement(task, requested)] == []


@EXAMPLES
@given(upgrade_tasks(), upgrade_tasks())
def test_a_task_compared_with_itself_has_no_transition_violation(
    first: tuple[Task, random.Random], second: tuple[Task, random.Random]
) -> None:
    task, _ = first
    assert list(check_transition(task, copy.deepcopy(task), requested_task_id=task["id"])) == []
    other, _ = second  # another task under the same id: what changed is reported, never a wrong task
    rules = {v.rule for v in check_transition(task, other)}
    assert rules <= {
        "transition.subtasks-changed",
        "transition.edges-changed",
        "transition.terminal-subtask-changed",
        "transition.task-left-terminal",
    }


# --- structural mutations: exactly one DAG error, where expected ------------------------------


def _edges(task: Task) -> list[tuple[int, int]]:
    return [(s["id"], down) for s in task["subtasks"] for down in s["downstreams"]]


def _drop_one_end(task: Task, rng: random.Random) -> Pairs:
    source, target = rng.choice(_edges(task))
    where = by_id(task)
    upstream_end, downstream_end = task["subtasks"][where[target]], task["subtasks"][where[source]]
    if rng.random() < 0.5:
        downstream_end["downstreams"].remove(target)
        pointer = f"/subtasks/{where[target]}/upstreams/{upstream_end['upstreams'].index(source)}"
    else:
        upstream_end["upstreams"].remove(source)
        pointer = f"/subtasks/{where[source]}/downstreams/{downstream_end['downstreams'].index(target)}"
    return {("dag.asymmetric-edge", pointer)}


def _dangling(task: Task, rng: random.Random) -> Pairs:
    index = rng.randrange(len(task["subtasks"]))
    field = rng.choice(["upstreams", "downstreams"])
    ids = task["subtasks"][index][field]
    ids.append(max(by_id(task)) + 1000)
    return {(f"dag.dangling-{field[:-1]}", f"/subtasks/{index}/{field}/{len(ids) - 1}")}


def _duplicate(task: Task, rng: random.Random) -> Pairs:
    subtasks = task["subtasks"]
    original = rng.choice(subtasks)
    at = rng.randrange(len(subtasks) + 1)
    subtasks.insert(at, copy.deepcopy(original))
    later = max(index for index, subtask in enumerate(subtasks) if subtask["id"] == original["id"])
    return {("dag.duplicate-id", f"/subtasks/{later}/id")}


def _cycle(task: Task, rng: random.Random) -> Pairs:
    """A back edge, recorded on both ends, along one server's path: the cycle is unique."""
    where = by_id(task)
    subtasks = task["subtasks"]
    start, finish = min(where), max(where)
    head = rng.choice(subtasks[where[start]]["downstreams"])
    path = [start, head]
    while path[-1] != finish:
        path.append(subtasks[where[path[-1]]]["downstreams"][0])
    first, last = sorted(rng.sample(range(len(path)), 2))
    if (first, last) == (0, len(path) - 1) and len(subtasks[where[start]]["downstreams"]) > 1:
        first = 1  # start and finish are joined by one path per server
    early, late = path[first], path[last]
    subtasks[where[late]]["downstreams"].append(early)
    subtasks[where[early]]["upstreams"].append(late)
    return {("dag.cycle", f"/subtasks/{where[early]}")}


def _self_loop(task: Task, rng: random.Random) -> Pairs:
    index = rng.randrange(len(task["subtasks"]))
    field = rng.choice(["upstreams", "downstreams"])
    ids = task["subtasks"][index][field]
    ids.append(task["subtasks"][index]["id"])
    return {("dag.self-loop", f"/subtasks/{index}/{field}/{len(ids) - 1}")}


STRUCTURAL = [_drop_one_end, _dangling, _duplicate, _cycle, _self_loop]


@settings(max_examples=150, deadline=None)
@given(upgrade_tasks(), st.sampled_from(STRUCTURAL))
def test_each_structural_mutation_is_caught_by_its_rule(
    generated: tuple[Task, random.Random], mutate: Callable[[Task, random.Random], Pairs]
) -> None:
    task, rng = generated
    expected = mutate(task, rng)
    assert _errors(list(check_dag(task))) == expected


# --- status mutations: exactly the state errors expected --------------------------------------


def _statuses(task: Task) -> dict[Any, str]:
    return {s["id"]: s["status"] for s in task["subtasks"]}


def _premature_dispatch(task: Task, rng: random.Random) -> Pairs | None:
    statuses = _statuses(task)
    waiting = [
        (i, s)
        for i, s in enumerate(task["subtasks"])
        if s["status"] == "PENDING" and any(statuses[up] != "SUCCESSFUL" for up in s["upstreams"])
    ]
    if not waiting:
        return None
    index, subtask = rng.choice(waiting)
    subtask["status"] = rng.choice(["READY", "RUNNING", "SUCCESSFUL"])
    expected = {
        ("state.upstream-not-successful", f"/subtasks/{index}/upstreams/{position}")
        for position, up in enumerate(subtask["upstreams"])
        if statuses[up] != "SUCCESSFUL"
    }
    if subtask["status"] == "RUNNING" and task["status"] == "FAILED":
        expected.add(("state.task-failed-with-running-subtask", f"/subtasks/{index}/status"))
    return expected


def _claims_successful(task: Task, rng: random.Random) -> Pairs | None:
    unfinished = [i for i, s in enumerate(task["subtasks"]) if s["status"] != "SUCCESSFUL"]
    if not unfinished:
        return None
    task.update(status="SUCCESSFUL", finishTime=_time(100_000))
    return {("state.task-successful-unfinished-subtask", f"/subtasks/{i}/status") for i in unfinished}


def _claims_failed(task: Task, rng: random.Random) -> Pairs | None:
    if any(s["status"] == "FAILED" for s in task["subtasks"]):
        return None
    task.update(status="FAILED", finishTime=_time(100_000))
    running = [  # a subtask being cancelled (CANCELING, or RUNNING its CANCEL) may outlast the task
        i
        for i, s in enumerate(task["subtasks"])
        if s["status"] == "RUNNING" and s.get("operation") != "CANCEL"
    ]
    return {("state.task-failed-without-failed-subtask", "/status")} | {
        ("state.task-failed-with-running-subtask", f"/subtasks/{i}/status") for i in running
    }


def _finish_before_start(task: Task, rng: random.Random) -> Pairs | None:
    finished = [i for i, s in enumerate(task["subtasks"]) if "finishTime" in s]
    if not finished:
        return None
    index = rng.choice(finished)
    task["subtasks"][index]["finishTime"] = _time(-3600)
    return {("state.finish-before-start", f"/subtasks/{index}/finishTime")}


STATUS = [_premature_dispatch, _claims_successful, _claims_failed, _finish_before_start]


@settings(max_examples=150, deadline=None)
@given(upgrade_tasks(), st.permutations(STATUS))
def test_each_status_mutation_is_caught_by_its_rule(
    generated: tuple[Task, random.Random], mutations: list[Callable[[Task, random.Random], Pairs | None]]
) -> None:
    task, rng = generated
    expected = next(found for mutate in mutations if (found := mutate(task, rng)) is not None)
    assert _errors(list(check_state(task))) == expected
    assert _errors(list(check_dag(task))) == set()


# --- robustness --------------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)
IDS = (
    st.integers(-3, 6)
    | st.integers(2**53, 2**53 + 3)
    | st.sampled_from(["1", "2", "-1", "9007199254740993"])
    | JSON
)
STATUSES = st.sampled_from(["PENDING", "READY", "RUNNING", "CANCELING", "FAILED", "SUCCESSFUL"]) | JSON
OPERATIONS = st.sampled_from(["EXECUTE", "RETRY", "ROLLBACK", "SKIP", "CANCEL", "ROLLBACK_SKIP"]) | JSON
TIMES = (
    st.sampled_from(["2021-09-03T16:31:58.151+08:00", "2021-09-03T08:00:00Z", "2021-13-40T99:99:99+08:00"])
    | JSON
)
SUBTASKS = st.fixed_dictionaries(
    {},
    optional={
        "id": IDS,
        "status": STATUSES,
        "operation": OPERATIONS,
        "upstreams": st.lists(IDS, max_size=3) | JSON,
        "downstreams": st.lists(IDS, max_size=3) | JSON,
        "startTime": TIMES,
        "finishTime": TIMES,
    },
)
TASKS = (
    st.fixed_dictionaries(
        {},
        optional={
            "id": IDS,
            "status": st.sampled_from(["RUNNING", "FAILED", "SUCCESSFUL"]) | JSON,
            "operation": OPERATIONS,
            "subtasks": st.lists(SUBTASKS | JSON, max_size=6) | JSON,
            "context": JSON
            | st.fixed_dictionaries(
                {"listMap": st.fixed_dictionaries({"obproxy_server_ids": st.lists(IDS, max_size=3) | JSON})}
            ),
            "startTime": TIMES,
            "finishTime": TIMES,
        },
    )
    | JSON
)


@settings(max_examples=300, deadline=None)
@given(TASKS, TASKS, st.lists(IDS, max_size=3) | st.none())
def test_no_json_shaped_input_makes_a_rule_raise(
    task: object, other: object, requested: list[Any] | None
) -> None:
    for violation in [
        *check_dag(task),
        *check_state(task),
        *check_agreement(task, requested),
        *check_transition(task, other),
        *check_transition(other, task, requested_task_id=requested[0] if requested else None),
    ]:
        assert violation.pointer == "" or violation.pointer.startswith("/")
        assert violation.render()
