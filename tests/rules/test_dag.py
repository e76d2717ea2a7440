"""The DAG rules over small hand-built graphs, then over very large ones.

Each row lists the subtasks as ``(id, upstreams, downstreams)`` and the exact
``(rule, pointer)`` pairs the rules must yield; pointers are relative to the task.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from contracts.rules.dag import check_dag
from contracts.rules.state import check_state
from contracts.validate import collector_paused
from contracts.violations import Severity
from tests.factories import make_chain, make_subtask, make_task, make_upgrade_dag

Row = tuple[Any, list[Any], list[Any]]


def _task(*rows: Row) -> dict[str, Any]:
    return make_task(subtasks=[make_subtask(id=key, upstreams=u, downstreams=d) for key, u, d in rows])


def _pairs(task: object) -> list[tuple[str, str]]:
    return sorted((v.rule, v.pointer) for v in check_dag(task))


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # conforming graphs
        pytest.param([(1, [], [2]), (2, [1], [3]), (3, [2], [])], [], id="chain"),
        pytest.param([(3, [2], []), (1, [], [2]), (2, [1], [3])], [], id="chain-out-of-order"),
        pytest.param([(1, [], [2, 3]), (2, [1], [4]), (3, [1], [4]), (4, [2, 3], [])], [], id="diamond"),
        pytest.param([(1, [], ["2"]), ("2", [1], [])], [], id="numeric-string-ids"),
        pytest.param(
            [(9007199254740993, [], ["9007199254740994"]), ("9007199254740994", ["9007199254740993"], [])],
            [],
            id="longs-beyond-2^53",
        ),
        pytest.param([(1, [], [])], [], id="single-subtask"),
        # duplicate ids
        pytest.param(
            [(1, [], [2]), (2, [1], []), (2, [1], [])],
            [("dag.duplicate-id", "/subtasks/2/id")],
            id="duplicate-id",
        ),
        pytest.param(
            [(1, [], [2]), (2, [1], []), ("1", [], [2])],
            [("dag.duplicate-id", "/subtasks/2/id")],
            id="duplicate-id-int-and-string",
        ),
        # dangling references
        pytest.param(
            [(1, [], [2]), (2, [1, 7], [])],
            [("dag.dangling-upstream", "/subtasks/1/upstreams/1")],
            id="dangling-upstream",
        ),
        pytest.param(
            [(1, [], [2, 7]), (2, [1], [])],
            [("dag.dangling-downstream", "/subtasks/0/downstreams/1")],
            id="dangling-downstream",
        ),
        # one end of an edge missing
        pytest.param(
            [(1, [], [2, 3]), (2, [1], [3]), (3, [2], [])],
            [("dag.asymmetric-edge", "/subtasks/0/downstreams/1")],
            id="asymmetric-downstream-only",
        ),
        pytest.param(
            [(1, [], [2]), (2, [1], [3]), (3, [2, 1], [])],
            [("dag.asymmetric-edge", "/subtasks/2/upstreams/1")],
            id="asymmetric-upstream-only",
        ),
        # self-loops
        pytest.param(
            [(1, [], [2]), (2, [1], [3, 2]), (3, [2], [])],
            [("dag.self-loop", "/subtasks/1/downstreams/1")],
            id="self-loop",
        ),
        pytest.param(
            [(1, [], [2]), (2, ["2", 1], [])],
            [("dag.self-loop", "/subtasks/1/upstreams/0")],
            id="self-loop-upstream-as-string",
        ),
        # cycles, reported at the smallest id on them
        pytest.param(
            [(1, [], [2]), (2, [1, 3], [3]), (3, [2], [2, 4]), (4, [3], [])],
            [("dag.cycle", "/subtasks/1")],
            id="cycle-of-two",
        ),
        pytest.param(
            [(1, [], [5]), (7, [6], [5, 8]), (5, [1, 7], [6]), (6, [5], [7]), (8, [7], [])],
            [("dag.cycle", "/subtasks/2")],
            id="cycle-of-three",
        ),
        pytest.param(
            [(1, [], [2]), (2, [1, 3], [3]), (3, [2], [4]), (4, [3], [])],
            [("dag.asymmetric-edge", "/subtasks/1/upstreams/1"), ("dag.cycle", "/subtasks/1")],
            id="cycle-recorded-on-one-end",
        ),
        pytest.param(
            [
                (1, [], [2, 4]),
                (2, [1, 3], [3]),
                (3, [2], [2]),
                (4, [1, 5], [5]),
                (5, [4], [4, 6]),
                (6, [5], []),
            ],
            [("dag.cycle", "/subtasks/1"), ("dag.cycle", "/subtasks/3")],
            id="two-disjoint-cycles",
        ),
        # start and finish nodes (warnings)
        pytest.param(
            [(1, [2], [2]), (2, [1], [1])],
            [("dag.cycle", "/subtasks/0"), ("dag.finish-node", "/subtasks"), ("dag.start-node", "/subtasks")],
            id="no-start-no-finish",
        ),
        pytest.param(
            [(1, [], [3]), (2, [], [3]), (3, [1, 2], [])],
            [("dag.start-node", "/subtasks")],
            id="two-start-nodes",
        ),
        pytest.param(
            [(1, [], [2, 3]), (2, [1], []), (3, [1], [])],
            [("dag.finish-node", "/subtasks")],
            id="two-finish-nodes",
        ),
    ],
)
def test_graph_rules(rows: list[Row], expected: list[tuple[str, str]]) -> None:
    assert _pairs(_task(*rows)) == sorted(expected)


def test_cycle_is_printed_hop_by_hop_from_its_smallest_id() -> None:
    task = _task(
        (34969, [], [34965]),
        (34964, [34963], [34963, 34970]),
        (34963, [34965, 34964], [34964]),
        (34965, [34969], [34963]),
        (34970, [34964], []),
    )
    [cycle] = [v for v in check_dag(task) if v.rule == "dag.cycle"]
    assert cycle.pointer == "/subtasks/2"
    assert cycle.actual == "34963 -> 34964 -> 34963"
    assert "34963 -> 34964 -> 34963" in cycle.message


def test_longer_cycle_path_does_not_depend_on_subtask_order() -> None:
    rows = [(1, [], [12]), (12, [1, 14], [13]), (13, [12], [14]), (14, [13], [12, 15]), (15, [14], [])]
    found = [v for order in (rows, rows[::-1]) for v in check_dag(_task(*order))]
    paths = {v.actual for v in found if v.rule == "dag.cycle"}
    assert paths == {"12 -> 13 -> 14 -> 12"}


def test_asymmetric_edge_message_names_both_ids_and_the_missing_end() -> None:
    [violation] = check_dag(_task((1, [], [2, 3]), (2, [1], [3]), (3, [2], [])))
    assert violation.rule == "dag.asymmetric-edge"
    assert "1" in violation.message and "3" in violation.message
    assert "upstreams" in violation.message  # the end that lacks the partner entry


def test_start_and_finish_rules_are_warnings_the_others_errors() -> None:
    task = _task((1, [2], [2, 1]), (2, [1, 9], [1]), (2, [], []))
    severities = {v.rule: v.severity for v in check_dag(task)}
    assert severities == {
        "dag.duplicate-id": Severity.ERROR,
        "dag.self-loop": Severity.ERROR,
        "dag.dangling-upstream": Severity.ERROR,
        "dag.cycle": Severity.ERROR,
        "dag.start-node": Severity.WARNING,
        "dag.finish-node": Severity.WARNING,
    }


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        # shapes the schema rule reports: the graph rules skip them without raising
        pytest.param(None, [], id="task-null"),
        pytest.param([], [], id="task-array"),
        pytest.param({"subtasks": "none"}, [], id="subtasks-string"),
        pytest.param({"subtasks": [1, None, "x", []]}, [], id="subtasks-not-objects"),
        pytest.param(
            make_task(
                subtasks=[
                    make_subtask(id=1, upstreams=[], downstreams=[2]),
                    make_subtask(id=2, downstreams=[]) | {"upstreams": "1"},
                ]
            ),
            [],
            id="upstreams-not-array",
        ),
        pytest.param(
            make_task(subtasks=[make_subtask(id=None), make_subtask(id=True), make_subtask(id=1.5)]),
            [],
            id="no-usable-id",
        ),
        pytest.param(
            make_task(subtasks=[make_subtask(id=1, downstreams=[None, "x", 2.0, {"id": 2}])]),
            [],
            id="unusable-list-entries",
        ),
        # task-list items carry subtasks without edges: only ids are checked
        pytest.param(
            {"subtasks": [{"id": 1, "status": "PENDING"}, {"id": 1, "status": "READY"}]},
            [("dag.duplicate-id", "/subtasks/1/id")],
            id="subtasks-without-edges",
        ),
        pytest.param(make_task(subtasks=[]), [], id="no-subtasks"),
    ],
)
def test_unusable_shapes_are_skipped(task: object, expected: list[tuple[str, str]]) -> None:
    assert _pairs(task) == sorted(expected)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_realistic_upgrade_dag_conforms(seed: int) -> None:
    assert _pairs(make_upgrade_dag(servers=4, steps=6, seed=seed)) == []


@pytest.fixture
def without_cycle_collector() -> Iterator[None]:
    """Building a million subtasks makes the cyclic collector rescan them over and over; none is cyclic."""
    with collector_paused():
        yield


@pytest.mark.usefixtures("without_cycle_collector")
def test_large_graphs_validate_cleanly() -> None:
    wide = make_upgrade_dag(servers=20_000, steps=5)  # 100,002 subtasks; the finish node has 20,000 upstreams
    finish = max(wide["subtasks"], key=lambda subtask: subtask["id"])
    assert len(finish["upstreams"]) == 20_000
    assert list(check_dag(wide)) == []
    assert list(check_state(wide)) == []
    chain = {"id": 1, "status": "RUNNING", "subtasks": make_chain(ids=range(1, 1_000_001))}
    assert list(check_dag(chain)) == []
    assert list(check_state(chain)) == []
