"""One contract run, end to end — the single implementation behind ``ocp-contract run`` and
``pytest tests/contract``.

Data flow: :class:`~contracts.run.config.RunConfig` → open the target and install the gate →
preflight (one read-only request) → the workflow → schemathesis' phases → :class:`RunResult`
(results, requests kept back, recorded exchanges). Reports are written by the caller from the
result (:mod:`contracts.run.reporting.writer`).

Exit codes (:attr:`RunResult.exit_code`), in this order of precedence: 1 violations — found
violations win over everything else, a deadline or a later connection error included; 2 the run
could not be trusted — refused credentials, an unreachable host, a TLS failure, a timeout, an
exchange past the run's bounds (:mod:`contracts.run.wire.bounds`), a named target or task the target
says does not exist, or an error of the run itself; 3 incomplete — nothing violated, but
something asked for was not verified (:attr:`Results.incomplete`); 0 everything asked for was
verified. A run ended by SIGINT or SIGTERM exits 130 or 143 after its partial reports.

``--max-time`` is a hard cap, never a budget: generation stops when ``--max-examples`` is
exhausted, and the deadline only cuts. A run ends within ``--max-time`` plus
:data:`DEADLINE_GRACE`: a request is not started without time left to finish it, no exchange
outlives the deadline (its wall-clock budget is cut to what is left), and the grace covers
winding down — the engine's last events, the reports.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import requests
from schemathesis.engine import events

from contracts.run.config import (
    DEFAULT_LIVE_FOLLOW_TIME,
    DRILL_NAMES,
    ENGINE_PHASES,
    RunConfig,
    UpgradeTarget,
)
from contracts.run.judging.coverage import Circumstances, Coverage, coverage, kept_back_operations
from contracts.run.judging.results import Results
from contracts.run.phases.engine import run_engine
from contracts.run.phases.exchange import Exchanges
from contracts.run.phases.probes import probes
from contracts.run.phases.workflow import Plan, Workflow
from contracts.run.profile import RunProfile, run_profile
from contracts.run.threads import serialised_ast_parsing
from contracts.run.wire.bounds import Bounds, ServerFailing
from contracts.run.wire.errors import RunAborted, describe_network_error
from contracts.run.wire.gate import CredentialsRejected, Gate, RecordedExchange, installed
from contracts.run.wire.known_tasks import check_task_ids
from contracts.run.wire.politeness import MIN_REQUEST_WINDOW, Deadline, DeadlineReached, Politeness
from contracts.run.wire.safety import BlockedRequest, Mode, Policy, SafetyGuard
from contracts.run.wire.target import Identity, Target, identity_for, opened, preflight, session_for
from contracts.terminal import EXIT_SIGNAL, signal_name

EXIT_OK, EXIT_VIOLATIONS, EXIT_ERROR, EXIT_INCOMPLETE = 0, 1, 2, 3
#: Seconds a run may take past ``--max-time`` to wind down (see the module docstring).
DEADLINE_GRACE = 2.0
#: Live polls are spaced this far apart unless the config says otherwise (seconds).
LIVE_POLL_INTERVAL = 3.0


class Listener(Protocol):
    """Told about the run's progress (the console prints it; pytest does not listen)."""

    def phase_started(self, phase: str) -> None: ...

    def phase_finished(self, phase: str, *, skipped: bool = False) -> None: ...

    def on_event(self, event: events.EngineEvent) -> None: ...


@dataclass(frozen=True)
class RunResult:
    """Everything a report needs about a finished run."""

    config: RunConfig
    target: str
    mode: str
    seed: int
    results: Results
    blocked: tuple[BlockedRequest, ...]
    exchanges: tuple[RecordedExchange, ...]
    elapsed: float
    stop_reason: str | None = None
    #: Every operation × documented status, exercised or not and why.
    coverage: Coverage | None = None

    @property
    def exit_code(self) -> int:
        results = self.results
        if results.interrupted:
            return EXIT_SIGNAL.get(results.interrupted, 130)  # 130, 143, or 141 (stdout closed)
        if results.failure_count:
            return EXIT_VIOLATIONS
        if results.aborted or results.unusable or results.network_errors or results.errors:
            return EXIT_ERROR
        return EXIT_INCOMPLETE if results.incomplete else EXIT_OK

    @property
    def cases_per_second(self) -> float:
        return self.results.total_cases / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def problem(self) -> str | None:
        """The one line that explains an exit 2, or ``None``."""
        results = self.results
        if results.aborted:
            return results.aborted
        if results.unusable:
            return results.unusable[0]
        if results.network_errors:
            return f"{self.target}: {results.network_errors[0]}"
        if results.errors:
            more = f" (+{len(results.errors) - 1} more in the report)" if len(results.errors) > 1 else ""
            return f"the run hit an error: {results.errors[0]}{more}"
        return None


def _drills(config: RunConfig) -> tuple[str, ...]:
    """The drills asked (``--drill``): all by default on the embedded mock, none on a live OCP."""
    if "drill" not in config.phases:
        return ()
    if config.drills is not None:
        return config.drills
    return () if config.is_live else DRILL_NAMES


def _workflow_plan(config: RunConfig, target: Target, profile: RunProfile) -> Plan:
    body = profile.upgrade_body
    drilling = bool(_drills(config))
    if config.is_live:
        upgrades = (config.target,) if config.allow_upgrade and config.target is not None else ()
        interval = LIVE_POLL_INTERVAL if config.poll_interval is None else config.poll_interval
        return Plan(
            probes(config.target, upgrade_body=body),
            config.task_ids,
            upgrades,
            interval,
            100_000,
            body,
            upgrades_asked=True,
            reference=config.target,
            drilling=drilling,
        )
    embedded = target.upgrade_targets()
    interval = 0.0 if config.poll_interval is None else config.poll_interval
    first = embedded[0] if embedded else None
    return Plan(
        probes(first, upgrade_body=body), config.task_ids, embedded, interval, 200, body, drilling=drilling
    )


def _run_phases(
    config: RunConfig,
    target: Target,
    gate: Gate,
    results: Results,
    seed: int,
    listener: Listener | None,
    profile: RunProfile,
) -> str | None:
    identity: Identity = identity_for(config, target)
    gate.watch.known = identity.known
    session = session_for(target, identity)
    note = preflight(session, target, timeout=config.request_timeout)
    if note:
        results.notes.append(note)
    check_task_ids(session, target.base_url, config.task_ids, timeout=config.request_timeout)
    drills = _drills(config)
    if "workflow" in config.phases or drills:
        follow = Deadline(_follow_budget(config, gate.politeness.deadline))
        exchanges = Exchanges(
            session,
            target.base_url,
            results,
            strict=config.strict,
            known=identity.known,
            deadline=follow,
            profile=profile,
        )
        workflow = Workflow(exchanges, say=getattr(listener, "progress", None))
        plan = _workflow_plan(config, target, profile)
        steps: list[tuple[str, Callable[[], None]]] = []
        if "workflow" in config.phases:
            steps.append(("workflow", lambda: workflow.run(plan)))
        if drills:
            steps.append(("drill", lambda: workflow.drill(plan, drills, _drill_target(config, target))))
        for phase, step in steps:
            if listener is not None:
                listener.phase_started(phase)
            step()
            if listener is not None:
                listener.phase_finished(phase)
        workflow.finish()
        if follow.cut and gate.politeness.deadline.cut is None:
            gate.politeness.deadline.cut = follow.cut
    deadline = gate.politeness.deadline
    running = gate.stopped is None and deadline.allows(MIN_REQUEST_WINDOW)
    asked = [phase for phase in ENGINE_PHASES if phase in config.phases]
    if asked and running:
        on_event = None if listener is None else listener.on_event
        return run_engine(
            config, target, identity, gate, results, seed=seed, on_event=on_event, profile=profile
        )
    if asked and gate.stopped is None:
        deadline.reached(f"phases {', '.join(asked)} not run")
    return None


def _drill_target(config: RunConfig, target: Target) -> UpgradeTarget:
    """The live target, or the embedded mock's (an upgrade that succeeds unless made to fail)."""
    if config.target is not None and config.is_live:
        return config.target
    return target.drill_target()


def _note_incomplete(gate: Gate, results: Results, stop_reason: str | None) -> None:
    """What the deadline or a rate limit kept the run from verifying."""
    deadline = gate.politeness.deadline
    if gate.politeness.rate_limited_out:
        results.not_verified("rate limited (429) until the deadline: the last requests were not answered")
    if deadline.cut is not None or stop_reason == "max_time":
        cap = f" ({deadline.seconds:g} s)" if deadline.seconds is not None else ""
        results.not_verified(
            f"cut by --max-time{cap}: {deadline.cut or 'the phases did not finish'}; "
            "the cases after it were not sent"
        )


def _note_tripwire(gate: Gate, results: Results) -> None:
    """A broken bound ends the run: a 5xx storm as a note (its 5xx are the violations), anything
    else as the connection problem it is (exit 2)."""
    error = gate.tripwire.error
    if isinstance(error, ServerFailing):
        results.notes.append(str(error))
    elif isinstance(error, requests.RequestException) and not results.network_errors:
        results.network_error(describe_network_error(error))


def _coverage(
    config: RunConfig, profile: RunProfile, gate: Gate, results: Results, stop_reason: str | None
) -> Coverage:
    """The run's coverage grid; a ``--require``-d operation not exercised is not verified (exit 3)."""
    spec = profile.spec
    why = Circumstances(
        read_only=gate.guard.policy.mode is Mode.SAFE,
        kept_back=kept_back_operations(spec, ((b.method, b.url) for b in gate.guard.blocked)),
        cut=gate.politeness.deadline.cut is not None or stop_reason == "max_time",
        notes=dict(results.unexercised),
    )
    grid = coverage(spec, results.exchanged, why)
    required = grid.operations if "all" in config.require else config.require
    for operation in required:
        if operation in grid.not_exercised or operation not in grid.operations:
            reason = grid.reasons.get(operation, "the spec of this OCP version does not document it")
            results.not_verified(f"required operation {operation} was not exercised ({reason})")
    return grid


def _follow_budget(config: RunConfig, deadline: Deadline) -> float | None:
    remaining = deadline.remaining()
    if remaining is not None:
        return remaining
    return DEFAULT_LIVE_FOLLOW_TIME if config.is_live else None


def run_suite(
    config: RunConfig,
    *,
    results: Results | None = None,
    listener: Listener | None = None,
    profile: RunProfile | None = None,
) -> RunResult:
    """Run the contract suite described by ``config`` and return what it found.

    ``results`` may be passed in so a ``listener`` can read the counts while the run goes on;
    ``profile`` (the OCP version's, computed once per run) when the caller already has it.
    """
    profile = profile if profile is not None else run_profile(config.ocp_version)
    seed = config.seed if config.seed is not None else random.SystemRandom().randrange(2**31)
    deadline = Deadline(config.max_time)
    policy = Policy.for_run(config, profile)
    gate = Gate(
        guard=SafetyGuard(policy),
        politeness=Politeness(
            rate=config.rate_limit,
            timeout=config.request_timeout,
            deadline=deadline,
            say=getattr(listener, "progress", None),
        ),
        bounds=Bounds(max_body=config.max_response_bytes),
    )
    results = results if results is not None else Results()
    started = time.perf_counter()
    stop_reason = None
    with opened(config, profile) as target, installed(gate), serialised_ast_parsing():
        try:
            stop_reason = _run_phases(config, target, gate, results, seed, listener, profile)
        except (RunAborted, CredentialsRejected) as error:
            results.aborted = str(error)
        except requests.RequestException as error:  # the workflow's own requests
            results.network_error(describe_network_error(error, timeout=config.request_timeout))
        except DeadlineReached:
            results.notes.append("stopped at --max-time")
        except ServerFailing:
            pass  # the breaker tripped in the workflow; _note_tripwire says so
        except KeyboardInterrupt as interrupt:  # SIGINT, or SIGTERM turned into one
            results.interrupted = signal_name(interrupt)
            results.not_verified(f"interrupted by {results.interrupted}: the run did not finish")
        _note_incomplete(gate, results, stop_reason)
        if gate.watch.message is not None:
            results.aborted = gate.watch.message
        _note_tripwire(gate, results)
        if stop_reason == "server_unavailable" and not results.network_errors:
            results.network_error("the server stopped responding")
        grid = _coverage(config, profile, gate, results, stop_reason)
    return RunResult(
        config=config,
        target=target.label,
        mode=policy.mode.value,
        seed=seed,
        results=results,
        blocked=gate.guard.blocked,
        exchanges=gate.log.items,
        elapsed=time.perf_counter() - started,
        stop_reason=stop_reason,
        coverage=grid,
    )
