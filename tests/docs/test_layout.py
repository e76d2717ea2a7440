"""The layered layout: longest-path layers, cycles broken, sources kept close, linear on long chains."""

from __future__ import annotations

import itertools
import time

from contracts.docs.layout import Geometry, assign_layers, layered


def test_longest_path_layering() -> None:
    # 1 -> 2 -> 4, 1 -> 3 -> 4, 1 -> 4: node 4 sits below the longer path
    layers = assign_layers([1, 2, 3, 4], [(1, 2), (2, 4), (1, 3), (3, 4), (1, 4)])
    assert layers == {1: 0, 2: 1, 3: 1, 4: 2}


def test_cycles_are_broken_in_hint_order_and_drawn_as_back_edges() -> None:
    layout = layered([1, 2, 3], [(1, 2), (2, 3), (3, 2)])
    assert sorted(layout.positions) == [1, 2, 3]
    assert layout.back_edges == frozenset({(3, 2)})


def test_self_loop_does_not_stop_the_layout() -> None:
    layout = layered([1, 2], [(1, 1), (1, 2)])
    assert layout.layer_of() == {1: 0, 2: 1}
    assert (1, 1) in layout.back_edges


def test_a_source_feeding_a_late_node_sits_just_above_it() -> None:
    # 9 (say, a missing upstream) feeds only node 4, three layers down
    layers = assign_layers([1, 2, 3, 4, 9], [(1, 2), (2, 3), (3, 4), (9, 4)])
    assert layers[9] == 2
    assert layers[1] == 0, "the real start node stays on top"


def test_branches_keep_their_hinted_order_and_do_not_overlap() -> None:
    edges = [(0, 10), (0, 20), (10, 11), (20, 21), (11, 99), (21, 99)]
    layout = layered([99, 21, 20, 11, 10, 0], edges, hint=lambda key: (key // 10 % 10, key))
    assert layout.layers[1] == [10, 20]
    g = Geometry()
    for layer in layout.layers:
        xs = sorted(layout.positions[key][0] for key in layer)
        assert all(b - a >= g.node_width for a, b in itertools.pairwise(xs))


def test_a_long_chain_is_laid_out_quickly_without_recursion() -> None:
    count = 100_000
    started = time.perf_counter()
    layout = layered(list(range(count)), [(i, i + 1) for i in range(count - 1)])
    assert time.perf_counter() - started < 60  # linear: ~1 s; quadratic would take hours
    assert len(layout.layers) == count
    assert layout.height > count * Geometry().node_height


def test_empty_graph() -> None:
    layout = layered([], [])
    assert layout.layers == [] and layout.positions == {}


def test_a_long_edge_passes_waypoints_beside_the_boxes() -> None:
    # branch 10..14 is longer than branch 20..21: the edge 21 -> 99 spans three layers
    edges = [(1, 10), (1, 20), (10, 11), (11, 12), (12, 13), (13, 14), (14, 99), (20, 21), (21, 99)]
    layout = layered([1, 10, 11, 12, 13, 14, 20, 21, 99], edges, hint=lambda key: (key // 10 % 10, key))
    bends = layout.bends[21, 99]
    assert len(bends) == 3
    boxes = {layout.positions[key] for key in (12, 13, 14)}
    assert not boxes & set(bends), "a waypoint never sits on a box"
    assert sorted(layout.positions) == [1, 10, 11, 12, 13, 14, 20, 21, 99], "waypoints are not nodes"
    assert all(len(layer) == 1 for layer in layout.layers[3:6])
