"""The task engine and the upgrade plan, below HTTP: graph shape, progression, time, memory, threads."""

from __future__ import annotations

import itertools
import random
import threading
from datetime import UTC, datetime, timedelta

import pytest

from contracts.mock.inventory import DEMO_USERS, Cluster, default_inventory
from contracts.mock.replies import zone
from contracts.mock.task_engine import FAILED, PENDING, READY, RUNNING, SUCCESSFUL, Engine, Task
from contracts.mock.upgrade_dag import BRANCH, build_plan, display_order, is_topological
from contracts.mock.views import task_detail
from contracts.rules.dag import check_dag
from contracts.rules.state import check_state

T0 = datetime(2024, 4, 15, 6, 31, tzinfo=UTC)
TZ = zone(480)
CLUSTER = default_inventory().clusters[0]
FLAKY = default_inventory().clusters[1]
ADMIN = DEMO_USERS[0]


def _engine(*, tick: float | None = None, max_finished: int = 1000) -> Engine:
    return Engine(rng=random.Random(0), tick=tick, max_finished=max_finished)


def _create(engine: Engine, servers: int = 2, *, cluster: Cluster = CLUSTER, at: datetime = T0) -> Task:
    return engine.create(
        cluster=cluster, servers=cluster.servers[:servers], package="p", creator=ADMIN, now=at
    )


@pytest.mark.parametrize("servers", [1, 2, 3, 40])
def test_the_plan_is_a_start_a_branch_per_server_and_a_finish(servers: int) -> None:
    ids = iter(range(1, 10_000))
    nodes = build_plan(list(range(100, 100 + servers)), lambda: next(ids))
    assert len(nodes) == 2 + len(BRANCH) * servers
    assert is_topological(nodes)
    edges_down = {(n.id, d) for n in nodes for d in n.downstreams}
    edges_up = {(u, n.id) for n in nodes for u in n.upstreams}
    assert edges_down == edges_up
    assert sorted({n.parallel_idx for n in nodes}) == [-1, *range(servers)]
    assert sum(1 for n in nodes if not n.upstreams) == sum(1 for n in nodes if not n.downstreams) == 1


@pytest.mark.parametrize("seed", range(50))
def test_display_order_is_never_topological(seed: int) -> None:
    ids = iter(range(1, 100))
    nodes = build_plan([1], lambda: next(ids))
    shown = display_order(nodes, random.Random(seed))
    assert not is_topological(shown) and sorted(n.id for n in shown) == sorted(n.id for n in nodes)


def test_each_step_moves_subtasks_one_status_along_the_graph() -> None:
    engine = _engine()
    task = _create(engine, 1)
    history: list[dict[int, str]] = [{s.node.id: s.status for s in task.subtasks}]
    while task.status == RUNNING:
        engine.step(task, T0 + timedelta(seconds=len(history)))
        history.append({s.node.id: s.status for s in task.subtasks})
        payload = task_detail(task, TZ)
        assert [v for v in (*check_dag(payload), *check_state(payload)) if v.is_error] == []
    order = [PENDING, READY, RUNNING, SUCCESSFUL]
    for before, after in itertools.pairwise(history):
        for sub_id, status in after.items():
            assert order.index(status) - order.index(before[sub_id]) in (0, 1)
    assert task.status == SUCCESSFUL and task.step == 2 * (len(BRANCH) + 2)


def test_a_failing_step_fails_the_task_once_nothing_runs() -> None:
    engine = _engine()
    task = _create(engine, 2, cluster=FLAKY)
    while task.status == RUNNING:
        engine.step(task, T0)
        running = {s.status for s in task.subtasks} & {READY, RUNNING}
        assert task.status == RUNNING or not running
    assert task.status == FAILED
    failed = [s for s in task.subtasks if s.status == FAILED]
    assert [(s.node.server_id, s.node.step.key) for s in failed] == [(5, "install")]
    assert engine.busy_with([4, 5]) is None


def test_view_step_shows_an_earlier_state_without_changing_the_task() -> None:
    engine = _engine()
    task = _create(engine, 1)
    for _ in range(5):
        engine.step(task, T0)
    early = task_detail(task, TZ, step=0)
    assert sorted(s["status"] for s in early["subtasks"]) == [PENDING] * 7 + [READY]
    assert task.step == 5


def test_tick_mode_catches_up_with_time() -> None:
    engine = _engine(tick=2.0)
    task = _create(engine, 1)
    engine.catch_up(T0 + timedelta(seconds=5))
    assert task.step == 2
    engine.catch_up(T0 + timedelta(hours=1))
    assert task.status == SUCCESSFUL
    finishes = [s.history[-1].at for s in task.subtasks]
    assert max(finishes) == T0 + timedelta(seconds=2 * task.step)


def test_per_poll_mode_advances_only_the_polled_task() -> None:
    engine = _engine()
    polled, idle = _create(engine, 1), _create(engine, 1, cluster=FLAKY)
    engine.observe(polled.id, T0)
    engine.catch_up(T0 + timedelta(hours=1))
    assert (polled.step, idle.step, polled.polls) == (1, 0, 1)
    assert engine.observe(424242, T0) is None


def test_finished_tasks_are_evicted_oldest_first_but_running_and_pinned_ones_stay() -> None:
    engine = _engine(max_finished=3)
    pinned = engine.create(
        cluster=CLUSTER, servers=CLUSTER.servers[2:3], package="p", creator=ADMIN, now=T0, pinned=True
    )
    engine.run_to_end(pinned, every=timedelta(seconds=1))
    finished = []
    for _ in range(6):
        task = _create(engine, 1)
        engine.run_to_end(task, every=timedelta(seconds=1))
        finished.append(task.id)
    running = _create(engine, 2)
    assert [t.id for t in engine.tasks()] == [pinned.id, *finished[-3:], running.id]


def test_concurrent_creation_and_polling_never_lose_or_repeat_ids() -> None:
    inventory = default_inventory()
    engine = _engine()
    created: list[int] = []
    lock = threading.Lock()

    def worker(server_index: int) -> None:
        server = inventory.clusters[0].servers[server_index % 3]
        for _ in range(50):
            with engine.lock:
                if engine.busy_with([server.id]) is not None:
                    continue
                task = engine.create(
                    cluster=inventory.clusters[0], servers=[server], package="p", creator=ADMIN, now=T0
                )
            with lock:
                created.append(task.id)
            while True:
                with engine.lock:
                    if engine.observe(task.id, T0).status != RUNNING:  # type: ignore[union-attr]
                        break

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(created) == len(set(created)) and created
    assert {t.id for t in engine.tasks()} == set(created)
    subtask_ids = [s.node.id for t in engine.tasks() for s in t.subtasks]
    assert len(subtask_ids) == len(set(subtask_ids))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"tick": 0}, "tick"),
        ({"max_finished": 0}, "max_finished"),
    ],
)
def test_engine_refuses_nonsense_settings(options: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Engine(rng=random.Random(0), **options)  # type: ignore[arg-type]
