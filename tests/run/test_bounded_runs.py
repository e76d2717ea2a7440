"""A hostile server cannot hold a run past its bounds or exhaust its memory.

Each test starts a small server on 127.0.0.1 (:mod:`tests.run._hostile`) that stalls, trickles,
redirects for ever, sends 100 MB or fails every request, runs ``ocp-contract run`` against it,
and checks that the run ended by itself — within the request budget or ``--max-time`` plus
:data:`~contracts.run.runner.DEADLINE_GRACE` — with the right exit code and one clear line.
Budgets are small (1–2 s), so the whole module takes a few seconds.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from contracts.cli import main
from contracts.run.config import DEFAULT_MAX_RESPONSE_MB, RunConfig
from contracts.run.runner import DEADLINE_GRACE
from contracts.run.wire.bounds import (
    MAX_CONSECUTIVE_5XX,
    MAX_REDIRECTS,
    Bounds,
    ResponseTooLarge,
    ServerErrorBreaker,
    ServerFailing,
    Tripwire,
)
from tests.run._hostile import (
    Behaviour,
    LoopbackServer,
    huge_body,
    redirect_forever,
    server_error,
    stall_mid_body,
    trickle_body,
    trickle_headers,
)
from tests.run.conftest import ADMIN, ADMIN_PASSWORD

pytestmark = pytest.mark.slow  # trickled answers wait out their budgets; `make test-slow` runs them

MB = 1024 * 1024
#: Requests the mock answers before a misbehaviour starts, so it hits the schemathesis phases.
MID_RUN = 20  # a safe-mode run against an OCP of unknown version sends about 30 requests
#: Seconds a bound on a whole run's wall time allows for a loaded machine (CI: two busy cores).
LOAD_MARGIN = 2.0


@dataclass(frozen=True)
class Outcome:
    """How one run against a hostile server ended."""

    code: int
    elapsed: float
    out: str
    err: str
    requests: int

    @property
    def line(self) -> str:
        """The one stderr line of an exit 2 (asserted to be exactly one, with no traceback)."""
        assert "Traceback" not in self.out + self.err
        lines = self.err.strip().splitlines()
        assert len(lines) == 1, self.err
        return lines[0]


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("OCP_BASE_URL", "OCP_USERNAME", "OCP_PASSWORD", "OCP_ACCESS_KEY", "OCP_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    yield


def run_against(
    behave: Behaviour, capsys: pytest.CaptureFixture[str], *options: str, good_first: int = 0
) -> Outcome:
    with LoopbackServer(behave, good_first=good_first) as server:
        started = time.perf_counter()
        target = ["--base-url", server.url, "--username", ADMIN, "--password", ADMIN_PASSWORD]
        code = main(["run", *target, "--seed", "1", "--max-examples", "5", *options])
        elapsed = time.perf_counter() - started
        count = len(server.requests)
    captured = capsys.readouterr()
    return Outcome(code, elapsed, captured.out, captured.err, count)


# --------------------------------------------------------------------------- time


@pytest.mark.parametrize(
    ("behave", "good_first"),
    [
        pytest.param(stall_mid_body, 0, id="stall-mid-body"),
        pytest.param(trickle_body(0.2), 0, id="trickled-body"),
        pytest.param(trickle_headers(0.2), 0, id="trickled-headers"),
        pytest.param(trickle_body(0.2), MID_RUN, id="trickled-body-mid-run"),
    ],
)
def test_a_slow_answer_ends_the_run_at_the_request_budget(
    behave: Behaviour, good_first: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """A byte every 0.2 s never trips a 1 s read timeout; the 1 s wall-clock budget ends it."""
    outcome = run_against(behave, capsys, "--request-timeout", "1", "--max-time", "30", good_first=good_first)

    assert outcome.code == 2, outcome.out
    assert "timeout" in outcome.line
    started_hostile = 0.0 if good_first == 0 else outcome.elapsed  # mid-run: bounded by the run itself
    assert outcome.elapsed < max(started_hostile, 1.0 + DEADLINE_GRACE) + LOAD_MARGIN


@pytest.mark.parametrize(
    "behave",
    [
        pytest.param(trickle_body(0.2), id="trickled-body"),
        pytest.param(trickle_headers(0.2), id="trickled-headers"),
        pytest.param(server_error(delay=1.5), id="slow-5xx"),
    ],
)
def test_max_time_bounds_a_run_whose_requests_may_take_longer(
    behave: Behaviour, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--request-timeout 30`` would let each request run on, for 30 s or (1.5 s a 500, twenty of
    them before the breaker trips) 30 s in all; ``--max-time 2`` ends the run. The bound allows
    :data:`LOAD_MARGIN` over the promised cap + grace, so a loaded machine cannot fail it while an
    uncut run still would (34 s, measured). The request the deadline cut is not a connection
    problem: the run is incomplete (3), unless it found a violation (1)."""
    outcome = run_against(behave, capsys, "--request-timeout", "30", "--max-time", "2", good_first=MID_RUN)

    assert outcome.elapsed < 2 + DEADLINE_GRACE + LOAD_MARGIN, f"{outcome.elapsed:.1f} s"
    assert outcome.code in (1, 3), outcome.out
    if outcome.code == 3:
        assert "  not verified: cut by --max-time (2 s)" in outcome.out


# --------------------------------------------------------------------------- size and hops


def test_a_redirect_loop_stops_after_a_few_hops(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_against(redirect_forever, capsys, "--request-timeout", "2", "--max-time", "20")

    assert outcome.code == 2
    assert "redirect loop" in outcome.line and f"{MAX_REDIRECTS} redirects" in outcome.line
    assert outcome.requests <= MAX_REDIRECTS + 1
    assert outcome.elapsed < DEADLINE_GRACE + LOAD_MARGIN


@pytest.mark.parametrize(
    "good_first", [pytest.param(0, id="first-answer"), pytest.param(MID_RUN, id="mid-run")]
)
def test_a_100_mb_body_is_cut_at_the_cap_and_memory_stays_near_it(
    good_first: int, capsys: pytest.CaptureFixture[str]
) -> None:
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        outcome = run_against(
            huge_body(100 * MB), capsys, "--max-response-mb", "16", "--max-time", "20", good_first=good_first
        )
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()

    assert outcome.code == 2
    assert "response too large" in outcome.line and "more than 16 MB" in outcome.line
    assert peak < 2 * 16 * MB, f"peak {peak / MB:.1f} MB"  # near the cap, far below the 100 MB sent
    assert outcome.elapsed < 10


# --------------------------------------------------------------------------- 5xx storms


@pytest.mark.parametrize(
    "good_first", [pytest.param(0, id="from-the-start"), pytest.param(MID_RUN, id="mid-run")]
)
def test_a_5xx_storm_trips_the_breaker_and_reports_server_errors(
    good_first: int, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = run_against(
        server_error(), capsys, "--request-timeout", "2", "--max-time", "60", good_first=good_first
    )

    assert outcome.code == 1, outcome.err
    assert "http.server-error" in outcome.out
    assert f"answered {MAX_CONSECUTIVE_5XX} requests in a row with 5xx" in outcome.out
    assert outcome.requests <= good_first + MAX_CONSECUTIVE_5XX + 2, "the run stopped sending at the breaker"
    assert outcome.elapsed < 10


# --------------------------------------------------------------------------- the parts


def test_the_breaker_counts_only_5xx_in_a_row() -> None:
    breaker = ServerErrorBreaker(3)
    assert [breaker.observe(s) for s in (500, 503, 200, 500, 502)] == [None] * 5
    assert breaker.observe(504) is not None


def test_a_tripped_wire_raises_a_fresh_error_of_the_same_kind() -> None:
    wire = Tripwire()
    wire.raise_if_tripped()
    first = ResponseTooLarge("response too large: GET /x sent more than 1 MB")
    wire.trip(first)
    wire.trip(ServerFailing("later"))
    with pytest.raises(ResponseTooLarge, match="more than 1 MB") as raised:
        wire.raise_if_tripped()
    assert raised.value is not first and wire.message == str(first)


def test_a_cap_below_1_mb_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--max-response-mb", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--max-response-mb: expected an integer >= 1, got 0" in err


def test_a_gate_built_without_bounds_reads_as_much_as_the_documented_default() -> None:
    """One default response bound: the gate's own (used when a caller gives no bounds) is the
    ``--max-response-mb`` default the README and ``--help`` state, not a second, smaller one."""
    assert Bounds().max_body == DEFAULT_MAX_RESPONSE_MB * 1024 * 1024 == RunConfig().max_response_bytes
