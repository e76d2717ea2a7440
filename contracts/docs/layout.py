"""A layered (Sugiyama-style) layout for task graphs, top to bottom, with no external tool.

1. **Layers** — longest-path layering by Kahn's algorithm: a node sits one layer below the
   deepest of its predecessors, so every edge of a DAG points downwards. Nodes on a cycle
   (a broken task) are placed by forcing the first unplaced node, in hint order; the edges
   into it become *back edges*, drawn on the side.
2. **Long edges** — an edge spanning several layers gets an invisible waypoint in each layer
   it crosses, so it is routed around the boxes instead of through them.
3. **Order within layers** — start from the caller's hint (parallel branch, series, id),
   then three barycenter sweeps (down, up, down) reduce crossings.
4. **Coordinates** — layers centred on the widest one.

Iterative throughout and linear in nodes plus edges (plus waypoints) per step, apart from
sorting each layer.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Geometry", "Layout", "assign_layers", "layered"]

Key = int


@dataclass(frozen=True)
class Geometry:
    """Sizes in SVG user units."""

    node_width: float = 236
    node_height: float = 48
    column_gap: float = 26
    layer_gap: float = 38
    margin: float = 18


@dataclass(frozen=True)
class Layout:
    """Where each node goes (top-left corner), the canvas size and the back edges."""

    positions: dict[Key, tuple[float, float]]
    layers: list[list[Key]]
    width: float
    height: float
    back_edges: frozenset[tuple[Key, Key]]
    geometry: Geometry
    #: Top-left corners of the waypoints a long edge passes, from source to target.
    bends: dict[tuple[Key, Key], list[tuple[float, float]]]

    def layer_of(self) -> dict[Key, int]:
        return {key: depth for depth, layer in enumerate(self.layers) for key in layer}


Adjacency = tuple[dict[Key, list[Key]], dict[Key, int]]


def _adjacency(keys: Sequence[Key], edges: Iterable[tuple[Key, Key]]) -> Adjacency:
    known = set(keys)
    successors: dict[Key, list[Key]] = {key: [] for key in keys}
    indegree = dict.fromkeys(keys, 0)
    for source, target in set(edges):
        if source != target and source in known and target in known:
            successors[source].append(target)
            indegree[target] += 1
    return successors, indegree


def assign_layers(keys: Sequence[Key], edges: Iterable[tuple[Key, Key]]) -> dict[Key, int]:
    """Longest-path layer of every key (``keys`` in hint order; cycles are broken in that order)."""
    successors, indegree = _adjacency(keys, edges)
    layer = dict.fromkeys(keys, 0)
    done: set[Key] = set()
    queue = deque(key for key in keys if indegree[key] == 0)
    forced = iter(keys)
    while len(done) < len(keys):
        if not queue:
            queue.append(next(key for key in forced if key not in done))
        key = queue.popleft()
        if key in done:
            continue
        done.add(key)
        for target in successors[key]:
            if target in done:
                continue
            layer[target] = max(layer[target], layer[key] + 1)
            indegree[target] -= 1
            if indegree[target] == 0:
                queue.append(target)
    _lower_sources(keys, successors, layer)
    return layer


def _lower_sources(keys: Sequence[Key], successors: dict[Key, list[Key]], layer: dict[Key, int]) -> None:
    """Move a node without predecessors down to just above its highest successor.

    Longest-path layering puts every source on top; a source that feeds only a late subtask
    (an id named in ``upstreams`` that no subtask carries, say) then sends a long edge across
    the picture. Lowering it keeps the edge one layer long; the real start node stays on top.
    """
    has_predecessor = {target for key in keys for target in successors[key]}
    for key in keys:
        if key not in has_predecessor and successors[key]:
            layer[key] = max(layer[key], min(layer[t] for t in successors[key]) - 1)


def _sweep(
    layers: list[list[Key]], neighbours: dict[Key, list[Key]], rank: dict[Key, int], order: Iterable[int]
) -> None:
    """Reorder each layer by the mean position of its neighbours in the layer swept before it."""
    position = {key: index for layer in layers for index, key in enumerate(layer)}
    for depth in order:

        def barycenter(key: Key) -> float:
            around = [position[other] for other in neighbours[key] if other in position]
            return sum(around) / len(around) if around else float(position[key])

        layers[depth].sort(key=lambda key: (barycenter(key), rank[key]))
        position.update((key, index) for index, key in enumerate(layers[depth]))


def layered(
    keys: Sequence[Key],
    edges: Sequence[tuple[Key, Key]],
    *,
    hint: Callable[[Key], tuple[int, ...]] | None = None,
    geometry: Geometry | None = None,
) -> Layout:
    """Lay out ``keys`` joined by ``edges`` (source above target); ``hint`` orders ties."""
    geometry = geometry or Geometry()
    ordered = sorted(keys, key=hint) if hint else list(keys)
    rank: dict[Key, int] = {key: index for index, key in enumerate(ordered)}
    depth_of = assign_layers(ordered, edges)
    layers: list[list[Key]] = [[] for _ in range(max(depth_of.values(), default=-1) + 1)]
    for key in ordered:
        layers[depth_of[key]].append(key)
    down: dict[Key, list[Key]] = {key: [] for key in ordered}
    up: dict[Key, list[Key]] = {key: [] for key in ordered}
    placed = [(s, t) for s, t in edges if s in depth_of and t in depth_of]
    back = frozenset((s, t) for s, t in placed if depth_of[t] <= depth_of[s])
    for source, target in placed:
        if (source, target) not in back:
            up[target].append(source)
            down[source].append(target)
    chains = _waypoints(layers, depth_of, rank, up, down, min(ordered, default=0))
    count = len(layers)
    _sweep(layers, up, rank, range(1, count))
    _sweep(layers, down, rank, range(count - 2, -1, -1))
    _sweep(layers, up, rank, range(1, count))
    return _place(layers, back, geometry, chains, set(ordered))


Chains = dict[tuple[Key, Key], list[Key]]


def _waypoints(
    layers: list[list[Key]],
    depth_of: dict[Key, int],
    rank: dict[Key, int],
    up: dict[Key, list[Key]],
    down: dict[Key, list[Key]],
    lowest: Key,
) -> Chains:
    """Replace each edge longer than one layer by a chain through new waypoint keys (below ``lowest``)."""
    chains: Chains = {}
    next_key = lowest - 1
    for source in list(down):
        for target in list(down[source]):
            if depth_of[target] - depth_of[source] <= 1:
                continue
            chain = []
            for depth in range(depth_of[source] + 1, depth_of[target]):
                chain.append(next_key)
                depth_of[next_key], rank[next_key] = depth, rank[source]
                layers[depth].append(next_key)
                next_key -= 1
            path = [source, *chain, target]
            down[source].remove(target)
            up[target].remove(source)
            for above, below in itertools.pairwise(path):
                down.setdefault(above, []).append(below)
                up.setdefault(below, []).append(above)
            chains[source, target] = chain
    return chains


def _place(
    layers: list[list[Key]], back: frozenset[tuple[Key, Key]], g: Geometry, chains: Chains, real: set[Key]
) -> Layout:
    widest = max((len(layer) for layer in layers), default=0)
    column = g.node_width + g.column_gap
    side = 72.0 if back else 0.0
    positions: dict[Key, tuple[float, float]] = {}
    for depth, layer in enumerate(layers):
        left = g.margin + (widest - len(layer)) * column / 2
        for index, key in enumerate(layer):
            positions[key] = (left + index * column, g.margin + depth * (g.node_height + g.layer_gap))
    width = 2 * g.margin + max(widest * column - g.column_gap, 0) + side
    height = 2 * g.margin + max(len(layers) * (g.node_height + g.layer_gap) - g.layer_gap, 0)
    bends = {edge: [positions[key] for key in chain] for edge, chain in chains.items()}
    shown = [[key for key in layer if key in real] for layer in layers]
    return Layout({k: v for k, v in positions.items() if k in real}, shown, width, height, back, g, bends)
