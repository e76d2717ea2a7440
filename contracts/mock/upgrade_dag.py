"""The upgrade DAG: which subtasks an OBProxy upgrade runs and how they are wired.

One start node, then per target server a branch of six steps (prepare, download, stop, install,
start, check) carrying ``parallelIdx`` 0..n−1, then one finish node that waits for every branch.
Every edge is recorded on both ends. :func:`display_order` lists the nodes as OCP's Java Set
does: shuffled (seeded), and never in topological order, so clients must order by the graph.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

_PACKAGE = "com.alipay.ocp.service.task.business"


@dataclass(frozen=True, slots=True)
class Step:
    """One kind of subtask: its key (as ``failAt`` names it), display name, class and timeout."""

    key: str
    name: str
    class_name: str
    timeout: int
    series_id: int


START = Step("start-node", "Start node", f"{_PACKAGE}.StartNode", 30, 0)
BRANCH: tuple[Step, ...] = (
    Step("prepare", "Prepare upgrade obproxy", f"{_PACKAGE}.obproxy.PrepareUpgradeObproxyTask", 300, 1),
    Step("download", "Download obproxy package", f"{_PACKAGE}.obproxy.DownloadObproxyPackageTask", 1800, 2),
    Step("stop", "Stop obproxy", f"{_PACKAGE}.obproxy.StopObproxyTask", 600, 3),
    Step("install", "Install obproxy package", f"{_PACKAGE}.obproxy.InstallObproxyPackageTask", 1800, 4),
    Step("start", "Start obproxy", f"{_PACKAGE}.obproxy.StartObproxyTask", 600, 5),
    Step("check", "Check obproxy status", f"{_PACKAGE}.obproxy.CheckObproxyStatusTask", 300, 6),
)
FINISH = Step("finish-node", "Finish node", f"{_PACKAGE}.obproxy.FinishTask", 0, len(BRANCH) + 1)
#: The step keys an inventory may name in ``failAt``.
FAILABLE_STEPS: tuple[str, ...] = tuple(step.key for step in BRANCH)


@dataclass(slots=True)
class PlannedSubtask:
    """One subtask of a plan: identity, place in the graph, and the server its branch upgrades."""

    id: int
    step: Step
    parallel_idx: int
    server_id: int | None
    upstreams: list[int] = field(default_factory=list)
    downstreams: list[int] = field(default_factory=list)


def _link(upstream: PlannedSubtask, downstream: PlannedSubtask) -> None:
    upstream.downstreams.append(downstream.id)
    downstream.upstreams.append(upstream.id)


def build_plan(server_ids: Sequence[int], next_id: Callable[[], int]) -> list[PlannedSubtask]:
    """The nodes of an upgrade of ``server_ids``, in topological order (start first, finish last)."""
    start = PlannedSubtask(next_id(), START, -1, None)
    nodes = [start]
    tails: list[PlannedSubtask] = []
    for index, server_id in enumerate(server_ids):
        previous = start
        for step in BRANCH:
            node = PlannedSubtask(next_id(), step, index, server_id)
            _link(previous, node)
            nodes.append(node)
            previous = node
        tails.append(previous)
    finish = PlannedSubtask(next_id(), FINISH, -1, None)
    for tail in tails:
        _link(tail, finish)
    nodes.append(finish)
    return nodes


def is_topological(nodes: Sequence[PlannedSubtask]) -> bool:
    """Whether every node comes after all its upstreams in ``nodes``."""
    seen: set[int] = set()
    for node in nodes:
        if any(upstream not in seen for upstream in node.upstreams):
            return False
        seen.add(node.id)
    return True


def display_order(nodes: Sequence[PlannedSubtask], rng: random.Random) -> list[PlannedSubtask]:
    """``nodes`` shuffled with ``rng``; a shuffle that happens to be topological gets its start moved last."""
    shuffled = list(nodes)
    rng.shuffle(shuffled)
    if is_topological(shuffled):
        shuffled.append(shuffled.pop(0))
    return shuffled
