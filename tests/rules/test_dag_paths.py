"""The DAG rule's paths agree: the bulk proofs for usual tasks, the one-by-one walk for the rest.

``check_dag`` first tries a proof — :func:`contracts.rules._dag_proof.prove_clean` (NumPy) on a
large task, ``dag._proven_small`` (sets and Kahn's algorithm) on a small one; only when that
fails does it walk the subtasks one by one. These properties pin that the shortcut never changes a
verdict: on generated upgrade graphs — clean, or after random edits that break them — and
with ids dense, sparse, negative or far beyond 2^53, ``check_dag`` yields exactly what the walk
yields; and on clean graphs the proof does apply, so the fast path is the one being tested.
"""

from __future__ import annotations

import random
from typing import Any
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.rules import dag
from contracts.rules._dag_proof import prove_clean
from contracts.violations import Violation
from tests.factories import make_upgrade_dag

EXAMPLES = settings(max_examples=150, deadline=None)
#: How ids are spread: (factor, offset) applied to the factory's dense ids.
SPACINGS = [(1, 0), (3, 0), (1_000_003, -5), (-1, 0), (2**40, 7), (1, 2**62)]


def _spread(task: dict[str, Any], factor: int, offset: int) -> dict[str, Any]:
    """The same graph with every integer id ``id * factor + offset``."""
    new = {s["id"]: s["id"] * factor + offset for s in task["subtasks"]}
    for subtask in task["subtasks"]:
        subtask["id"] = new[subtask["id"]]
        subtask["upstreams"] = [new[key] for key in subtask["upstreams"]]
        subtask["downstreams"] = [new[key] for key in subtask["downstreams"]]
    return task


def _break(task: dict[str, Any], rng: random.Random) -> None:
    """One edit that may break the graph: an entry dropped, added, repeated or retyped, an id reused."""
    subtasks = task["subtasks"]
    subtask = rng.choice(subtasks)
    field = rng.choice(["upstreams", "downstreams"])
    entries = subtask.get(field)
    match rng.randrange(7):
        case 0 if isinstance(entries, list) and entries:
            entries.pop(rng.randrange(len(entries)))
        case 1 if isinstance(entries, list):
            entries.append(rng.choice(subtasks)["id"])
        case 2 if isinstance(entries, list) and entries:
            entries.append(entries[0])
        case 3 if isinstance(entries, list):
            entries.append(rng.choice([subtask["id"], 10**6, True, 1.0, str(subtask["id"]), None]))
        case 4:
            subtask["id"] = rng.choice(subtasks)["id"]
        case 5:
            subtask[field] = rng.choice([None, "x", {}, [[1]]])
        case _:
            subtask.pop(field, None)


def _sorted(violations: list[Violation]) -> list[tuple[str, str, str]]:
    return sorted((v.rule, v.pointer, v.message) for v in violations)


@EXAMPLES
@given(
    servers=st.integers(1, 5),
    steps=st.integers(1, 4),
    seed=st.integers(0, 10**6),
    spacing=st.sampled_from(SPACINGS),
    edits=st.integers(0, 3),
)
def test_both_paths_agree(servers: int, steps: int, seed: int, spacing: tuple[int, int], edits: int) -> None:
    task = _spread(make_upgrade_dag(servers=servers, steps=steps, seed=seed), *spacing)
    rng = random.Random(seed)
    for _ in range(edits):
        _break(task, rng)
    walked = list(dag._one_by_one(task["subtasks"]))
    with patch.object(dag, "_PROOF_FROM", 0):  # small tasks too take the NumPy proof here
        assert _sorted(list(dag.check_dag(task))) == _sorted(walked)
    assert _sorted(list(dag.check_dag(task))) == _sorted(walked)  # the small proof, then the walk


def test_small_tasks_are_judged_without_numpy() -> None:
    """A usual task below the NumPy proof's threshold is judged by the small proof, NumPy unimported."""
    task = make_upgrade_dag(servers=2, steps=3)
    assert len(task["subtasks"]) < dag._PROOF_FROM
    with patch("contracts.rules._dag_proof.prove_clean", side_effect=AssertionError("proof used")):
        assert list(dag.check_dag(task)) == []


@EXAMPLES
@given(servers=st.integers(1, 6), steps=st.integers(1, 5), spacing=st.sampled_from(SPACINGS))
def test_clean_graphs_take_the_bulk_path(servers: int, steps: int, spacing: tuple[int, int]) -> None:
    task = _spread(make_upgrade_dag(servers=servers, steps=steps), *spacing)
    proven = prove_clean(task["subtasks"])
    assert proven is not None
    assert len(proven.starts) == len(proven.finishes) == 1


@EXAMPLES
@given(servers=st.integers(1, 6), steps=st.integers(1, 5), spacing=st.sampled_from(SPACINGS))
def test_clean_small_graphs_take_the_small_proof(servers: int, steps: int, spacing: tuple[int, int]) -> None:
    task = _spread(make_upgrade_dag(servers=servers, steps=steps), *spacing)
    proven = dag._proven_small(task["subtasks"])
    assert proven is not None
    assert len(proven.starts) == len(proven.finishes) == 1


def test_the_small_proof_declines_what_it_cannot_vouch_for() -> None:
    """A cycle whose edges both ends record, an entry listed twice, a string id: the walk decides."""
    cycle = make_upgrade_dag(servers=1, steps=3, first_id=1)  # 1 -> 2 -> 3 -> 4 -> 5
    subtask = {s["id"]: s for s in cycle["subtasks"]}
    subtask[2]["upstreams"].append(4)  # and 4 -> 2, on both ends
    subtask[4]["downstreams"].append(2)
    twice = make_upgrade_dag(servers=1, steps=2, first_id=1)
    subtask = {s["id"]: s for s in twice["subtasks"]}
    subtask[1]["downstreams"] *= 2  # 1 -> 2 recorded twice on both ends
    subtask[2]["upstreams"] *= 2
    text = make_upgrade_dag(servers=1, steps=2)
    text["subtasks"][0]["id"] = str(text["subtasks"][0]["id"])
    itself = make_upgrade_dag(servers=1, steps=2, first_id=1)
    subtask = {s["id"]: s for s in itself["subtasks"]}
    subtask[2]["upstreams"].append(2)  # a self-loop both ends record
    subtask[2]["downstreams"].append(2)
    # 1 lists 2 twice as a downstream; 2 lists 1 and 3 as upstreams, 3 does not list 2 back: as
    # many entries as upstreams, each listed back, yet the edge 3 -> 2 has one end only
    hidden = make_upgrade_dag(servers=1, steps=2, first_id=1)  # 1 -> 2 -> 3 -> 4
    subtask = {s["id"]: s for s in hidden["subtasks"]}
    subtask[1]["downstreams"] *= 2
    subtask[2]["upstreams"].append(3)
    for task in (cycle, twice, text, itself, hidden):
        assert dag._proven_small(task["subtasks"]) is None
    assert [v.rule for v in dag.check_dag(cycle)] == ["dag.cycle"]
    assert "dag.asymmetric-edge" in [v.rule for v in dag.check_dag(hidden)]
