"""The bulk DAG proof against networkx, on graphs of every shape the proof has a branch for.

``tests/rules/test_dag_paths.py`` pins the proof against the one-by-one walk on upgrade-shaped
graphs, which are a few layers deep. Here the graphs are arbitrary — wide, deep beyond the
layers Kahn's algorithm orders in bulk, with or without cycles, with dense or sparse ids — and
every edge is recorded on both ends, so the only question is the cycle: the proof must hold
exactly when networkx finds the graph acyclic, and name the same end nodes.
"""

from __future__ import annotations

import random
from typing import Any
from unittest.mock import patch

import networkx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.rules import _dag_proof
from contracts.rules._dag_proof import prove_clean

#: How ids are spread over the positions 0..n-1: dense from some start, or sparse.
ID_SPREADS = [(1, 34963), (1, -50), (7, 0), (1_000_003, -(2**40)), (2**40, 2**62 - 2**60)]


def _task(edges: set[tuple[int, int]], size: int, spread: tuple[int, int], rng: random.Random) -> list[Any]:
    """Subtasks for ``edges`` over positions ``0..size-1``, recorded on both ends, shuffled."""
    factor, offset = spread
    key = [position * factor + offset for position in range(size)]
    rng.shuffle(key)
    subtasks = [{"id": key[n], "upstreams": [], "downstreams": []} for n in range(size)]
    for source, target in sorted(edges):
        subtasks[source]["downstreams"].append(key[target])
        subtasks[target]["upstreams"].append(key[source])
    rng.shuffle(subtasks)
    return subtasks


@st.composite
def graphs(draw: st.DrawFn) -> tuple[set[tuple[int, int]], int]:
    """Random edges, plus a long chain through some nodes so depth reaches past the bulk layers."""
    size = draw(st.integers(1, 160))
    node = st.integers(0, size - 1)
    edges = {(s, t) for s, t in draw(st.lists(st.tuples(node, node), max_size=300)) if s != t}
    if draw(st.booleans()):
        edges |= {(n, n + 1) for n in range(size - 1)}
        edges = {(s, t) for s, t in edges if s < t} if draw(st.booleans()) else edges
    return edges, size


@settings(max_examples=300, deadline=None)
@given(
    graph=graphs(),
    spread=st.sampled_from(ID_SPREADS),
    seed=st.integers(0, 2**32),
    block=st.sampled_from([_dag_proof._BLOCK, 1, 7, 64]),
)
def test_proof_holds_exactly_on_acyclic_graphs(
    graph: tuple[set[tuple[int, int]], int], spread: tuple[int, int], seed: int, block: int
) -> None:
    """Also with the subtasks read in small blocks, so that every graph spans several."""
    edges, size = graph
    subtasks = _task(edges, size, spread, random.Random(seed))
    reference = networkx.DiGraph()
    reference.add_nodes_from(s["id"] for s in subtasks)
    reference.add_edges_from((s["id"], t) for s in subtasks for t in s["downstreams"])
    with patch.object(_dag_proof, "_BLOCK", block):
        proven = prove_clean(subtasks)
    assert (proven is not None) == networkx.is_directed_acyclic_graph(reference)
    if proven is not None:
        assert sorted(proven.starts) == sorted(n for n, d in reference.in_degree if d == 0)
        assert sorted(proven.finishes) == sorted(n for n, d in reference.out_degree if d == 0)


def _chain(length: int, *, back_edge: tuple[int, int] | None = None) -> list[Any]:
    edges = {(n, n + 1) for n in range(length - 1)}
    if back_edge:
        edges.add(back_edge)
    return _task(edges, length, (1, 1000), random.Random(length))


def test_a_chain_deeper_than_the_bulk_layers_is_ordered_to_its_end() -> None:
    subtasks = _chain(_dag_proof._LAYERS * 3)
    proven = prove_clean(subtasks)
    assert proven is not None
    assert proven.starts == [s["id"] for s in subtasks if not s["upstreams"]]
    assert proven.finishes == [s["id"] for s in subtasks if not s["downstreams"]]


@pytest.mark.parametrize("where", ["within the bulk layers", "beyond them"])
def test_a_cycle_is_found_wherever_the_layers_reach_it(where: str) -> None:
    length = _dag_proof._LAYERS * 3
    source = 10 if where == "within the bulk layers" else length - 1
    assert prove_clean(_chain(length, back_edge=(source, source - 5))) is None


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda s: s[0]["upstreams"].append(True), id="boolean entry"),
        pytest.param(lambda s: s[0]["downstreams"].append(1000.0), id="float entry"),
        pytest.param(lambda s: s[0].update(id=str(s[0]["id"])), id="string id"),
        pytest.param(lambda s: s[0].update(id=2**63), id="id beyond a long"),
        pytest.param(lambda s: s[0]["upstreams"].append(2**63), id="entry beyond a long"),
        pytest.param(lambda s: s[0].update(downstreams=None), id="absent list"),
        pytest.param(lambda s: s.append(7), id="subtask not an object"),
    ],
)
@pytest.mark.parametrize("block", [_dag_proof._BLOCK, 2])
def test_anything_unusual_is_left_to_the_walk(edit: Any, block: int) -> None:
    """Wherever it is: in the one block, or in the last of several."""
    subtasks = _chain(5)
    with patch.object(_dag_proof, "_BLOCK", block):
        assert prove_clean(subtasks) is not None
        edit(subtasks)
        assert prove_clean(subtasks) is None


def test_a_list_naming_one_subtask_twice_is_left_to_the_walk() -> None:
    subtasks = _task({(0, 1), (0, 2), (1, 3), (2, 3)}, 4, (1, 0), random.Random(0))
    assert prove_clean(subtasks) is not None
    fork = next(s for s in subtasks if len(s["downstreams"]) == 2)
    join = next(s for s in subtasks if len(s["upstreams"]) == 2)
    fork["downstreams"].append(fork["downstreams"][0])
    join["upstreams"].append(fork["id"])
    assert prove_clean(subtasks) is None


def test_an_edge_whose_ends_name_different_partners_is_left_to_the_walk() -> None:
    """A lists B downstream, B lists C upstream: as many entries on both sides, no pair agreeing."""
    subtasks = [
        {"id": 1, "upstreams": [], "downstreams": [2]},
        {"id": 2, "upstreams": [3], "downstreams": []},
        {"id": 3, "upstreams": [], "downstreams": []},
    ]
    assert prove_clean(subtasks) is None
    subtasks[1]["upstreams"] = [1]
    assert prove_clean(subtasks) is not None


def test_an_edge_into_a_subtask_listing_no_upstreams_is_left_to_the_walk() -> None:
    """A lists B downstream, B lists none upstream; C lists A upstream to even out the counts."""
    subtasks = [
        {"id": 1, "upstreams": [], "downstreams": [2]},
        {"id": 2, "upstreams": [], "downstreams": []},
        {"id": 3, "upstreams": [1], "downstreams": []},
    ]
    assert prove_clean(subtasks) is None
