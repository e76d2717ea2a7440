"""``ocp-contract run`` end to end: its fixed interface, and the options that shape a live run —
read-only ``--task-id``, ``--rate-limit``, OCP's own 429s, ``--max-time`` and ``--workers``."""

from __future__ import annotations

import pytest

from contracts.cli import build_parser
from contracts.run import run_suite
from contracts.run.config import RateLimit, RunConfig
from contracts.run.wire.politeness import Spacer
from tests.run.conftest import RecordingOCP, live_config, serve

INTERFACE = (
    "--base-url",
    "--username",
    "--password",
    "--access-key",
    "--secret-key",
    "--cluster-id",
    "--obproxy-ids",
    "--package",
    "--allow-upgrade",
    "--task-id",
    "--max-examples",
    "--seed",
    "--workers",
    "--rate-limit",
    "--request-timeout",
    "--max-time",
    "--strict",
    "--ca-bundle",
    "--insecure",
    "--junit-xml",
    "--report-dir",
    "--poll-interval",
    "--quiet",
)


def test_every_documented_option_exists() -> None:
    run = build_parser().parse_args(["run"])
    assert run.command == "run"
    for option in INTERFACE:
        parsed = build_parser().parse_known_args(
            ["run", option, "1"] if option not in _FLAGS else ["run", option]
        )
        assert not [extra for extra in parsed[1] if extra.startswith("--")], option


_FLAGS = {"--allow-upgrade", "--strict", "--insecure", "--quiet"}


def test_task_ids_are_fetched_read_only(live_ocp: RecordingOCP) -> None:
    task_id = live_ocp.mock.seeded_task_ids[0]
    result = run_suite(live_config(task_ids=(task_id,)).with_phases("workflow"))

    assert result.exit_code == 0
    fetched = [r for r in live_ocp.received if r.path == f"/api/v2/tasks/instances/{task_id}"]
    assert len(fetched) >= 3, "fetched, then re-read to see it stays finished"
    # a POST on a task only on an id a read proved absent (404) before it
    for index, request in enumerate(live_ocp.received):
        if request.path.startswith("/api/v2/tasks") and request.method != "GET":
            absent = request.path.split("/")[5]
            reads = [r for r in live_ocp.received[:index] if r.path == f"/api/v2/tasks/instances/{absent}"]
            assert reads and absent not in {str(t) for t in live_ocp.mock.seeded_task_ids}, request.path
    assert live_ocp.created_tasks == 0


def test_the_rate_limit_spaces_requests(live_ocp: RecordingOCP, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every request that leaves takes a slot of the spacer, whose spacing ``test_politeness`` pins
    with a fake clock. The wall clock is only checked for a lower bound on the whole run: sleeping
    never ends early, so a loaded machine can only lengthen it (gaps between single requests jitter
    with the time it takes to record them, and are not asserted)."""
    slots: list[float] = []
    original = Spacer.acquire

    def counted(spacer: Spacer) -> float:
        slots.append(original(spacer))
        return slots[-1]

    monkeypatch.setattr(Spacer, "acquire", counted)
    result = run_suite(live_config(rate_limit=RateLimit(40, 1.0)).with_phases("workflow"))

    sent = [exchange for exchange in result.exchanges if exchange.status is not None]
    assert len(sent) > 5
    assert len(slots) >= len(sent), "a request left without waiting for its slot"
    span = max(e.started for e in sent) - min(e.started for e in sent)
    assert span >= 0.5 * (len(sent) - 1) / 40


def test_ocp_429s_are_waited_out() -> None:
    for ocp in serve(rate_limit=6, rate_window=1.0):
        result = run_suite(live_config().with_phases("workflow"))
        statuses = [exchange.status for exchange in result.exchanges]
        assert 429 in statuses, "the mock's limit was reached"
        assert result.exit_code == 0, result.results.findings
        assert ocp.created_tasks == 0


@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")  # 10,000 examples grow large
def test_max_time_bounds_the_run_and_what_it_cut_is_not_verified(live_ocp: RecordingOCP) -> None:
    result = run_suite(live_config(max_examples=10_000, max_time=2.0).with_phases("workflow", "fuzzing"))

    assert result.problem is None
    assert result.elapsed < 12
    assert result.exit_code == 3
    assert any(line.startswith("cut by --max-time (2 s)") for line in result.results.incomplete)


@pytest.mark.parametrize("workers", [2])
def test_workers_share_the_run_without_false_transitions(workers: int) -> None:
    result = run_suite(
        RunConfig(seed=2, max_examples=5, workers=workers).with_phases("examples", "fuzzing", "stateful")
    )
    assert result.exit_code == 0, result.results.findings
