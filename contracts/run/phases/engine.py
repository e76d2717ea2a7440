"""Driving schemathesis' engine: load the spec with the run's configuration, bind the project's
checks to it, iterate the events into :class:`~contracts.run.judging.results.Results`.

The engine is stopped at once when the gate stops sending — our own credentials were refused
(one 401 is enough to know, and a thousand more would only be noise), an exchange broke one of
the run's bounds, a storm of 5xx tripped the breaker — and when ``--max-time`` is over (the
deadline then remembers what it cut), or on SIGINT/SIGTERM. A request
refused for the deadline or the storm may surface from schemathesis' own probes rather than a
case; it ends the phases quietly, like the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from contracts.run.config import RunConfig
from contracts.run.judging import checks as _checks  # registers the project's checks with schemathesis
from contracts.run.judging.results import Results
from contracts.run.phases.bound import PhaseBound
from contracts.run.phases.collect import Collector
from contracts.run.phases.hooks import install_filter
from contracts.run.phases.plan import engine_config
from contracts.run.profile import run_profile
from contracts.run.wire.bounds import ServerFailing
from contracts.run.wire.gate import Gate
from contracts.run.wire.politeness import DeadlineReached
from contracts.run.wire.target import Identity, Target
from contracts.spec import load_spec

EventSink = Callable[[events.EngineEvent], None]


def load_schema(config: RunConfig, target: Target, *, seed: int) -> Any:
    """The spec as a schemathesis schema, configured for this run (see :mod:`contracts.run.phases.plan`);
    with ``--ocp-version``, the spec as that version documents it (no upgrade body before 4.0.3)."""
    table = engine_config(config, base_url=target.base_url, seed=seed)
    loaded = SchemathesisConfig.from_dict(table)
    if config.ocp_version is None:
        return schemathesis.openapi.from_path(load_spec().path, config=loaded)
    document = run_profile(config.ocp_version).schema_document()
    return schemathesis.openapi.from_dict(document, config=loaded)


def run_engine(
    config: RunConfig,
    target: Target,
    identity: Identity,
    gate: Gate,
    results: Results,
    *,
    seed: int,
    on_event: EventSink | None = None,
) -> str | None:
    """Run the engine phases of ``config``; returns schemathesis' stop reason."""
    schema = load_schema(config, target, seed=seed)
    schema.auth.set_from_requests(identity.auth)
    if gate.guard.policy.is_guarding:
        install_filter(schema, gate.guard, target.base_url)
    bound = PhaseBound(config.max_examples)
    bound.install(schema)
    state = _checks.SuiteState(
        strict=config.strict, known=identity.known, profile=run_profile(config.ocp_version)
    )
    collector = Collector(
        results, lambda case: state.operations.get(case.operation.label), live=config.is_live
    )
    deadline = gate.politeness.deadline
    with _checks.bound(schema, state):
        stream = from_schema(schema).execute()
        try:
            for event in stream:
                collector.handle(event)
                if on_event is not None:
                    on_event(event)
                if gate.stopped is not None:
                    stream.stop()
                elif deadline.expired:
                    deadline.reached("the schemathesis phases did not finish")
                    stream.stop()
        except (DeadlineReached, ServerFailing):
            stream.stop()
        except KeyboardInterrupt:
            stream.stop()
            raise
    results.warnings.update(state.warnings)
    results.notes.extend(bound.notes())
    return collector.stop_reason
