"""How fast ``validate_response`` checks large upgrade tasks, next to parsing them (not a test).

Run from the repository root::

    .venv/bin/python bench/validate_bench.py [--sizes 1000,10000,100000] [--runs 15] [--baseline-runs 3]

For each size it generates one successful "Upgrade an OBProxy" response — a just-created task
whose subtasks are shaped like the documented sample (class name, description, timeout, …): a
start node, one chain of five steps per OBProxy server (``parallelIdx`` 0..n−1) and a finish
node whose fan-in is a fifth of the subtasks. Ids form one dense block, as OCP's database
sequence hands them out, but are assigned in random order, so they do not follow the graph
(neither do the sample's); the subtasks are shuffled, as OCP's Java ``Set`` serialises them.
The body is serialised compactly, as OCP sends it.

It then times, on that one payload, in interleaved rounds (median of ``--runs``):

* ``parse``     — ``orjson.loads``, the parser ``load_body`` uses: the floor, nothing can be
  checked before it is read;
* ``load_body`` — parse plus the checks for repeated keys and out-of-range integers;
* ``schema``, ``DAG``, ``state`` — the rules alone, on the parsed body;
* ``validate``  — ``validate_response`` on the parsed body: everything the command checks
  once the body is read. The targets compare it with the parse; the line "end to end" adds
  ``load_body`` (the parse and its strictness checks) for what ``ocp-contract validate``
  spends in all;
* ``baseline``  — the naive way on the same parsed body: jsonschema's pure-Python Draft
  2020-12 validator over the same spec-derived schema (``contracts.spec.standalone_schema``,
  the strict variant ``validate_response`` runs first, with format checks), plus a networkx
  graph of both ends' edges and its cycle check (``--baseline-runs`` rounds; one at 100k,
  where a round takes about a minute).

Times are CPU time of this process (``time.process_time``), so other jobs on a shared machine
inflate them less than wall time; each round measures every step once, so a busy moment
weighs on all of them alike. Peak memory comes from ``tracemalloc``: the peak while parsing,
and the peak while validating the parsed body (which stays alive), relative to the former.
tracemalloc sees Python allocations only, not jsonschema-rs's own (small) Rust ones.

Garbage collection: the cyclic collector is disabled while timing, for the parse, our checks
and the baseline alike. A 100,000-subtask body is about two million containers; with the
collector on, CPython rescans them every few hundred allocations and parsing alone gets
several times slower. Parsed JSON holds no reference cycles, and ``ocp-contract validate``
runs with the collector paused too (``contracts.validate.collector_paused``), so this is the
configuration the command has.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jsonschema
import networkx
import orjson

from contracts.rules.dag import check_dag
from contracts.rules.schema import check_schema
from contracts.rules.state import check_state
from contracts.spec import Spec, load_spec, standalone_schema
from contracts.validate import load_body, validate_response

STEPS_PER_SERVER = 5  # the finish node's fan-in is then a fifth of the subtasks
FIRST_ID = 34963  # where the documented sample's ids start
STEP_NAMES = ("Prepare upgrade", "Download package", "Stop obproxy", "Install package", "Start obproxy")
TARGETS = {  # the targets, checked at the largest size
    "validate / parse": 1.5,
    "validate scaling": 12.0,
    "memory / parse": 2.0,
}
TARGET_SPEEDUP = 10.0


@dataclass
class Row:
    """What was measured for one size: medians in seconds, peaks in bytes."""

    subtasks: int
    megabytes: float
    times: dict[str, float]
    parse_peak: int
    body_size: int  # traced memory the parsed body holds
    validate_peak: int

    def ratio(self, numerator: str, denominator: str) -> float:
        return self.times[numerator] / self.times[denominator]


def _subtask(
    key: int, *, name: str, status: str, idx: int, ups: list[int], downs: list[int]
) -> dict[str, Any]:
    """One subtask with the documented sample's fields, keys in alphabetical order as OCP sends them."""
    return {
        "className": "com.alipay.ocp.service.task.business.obproxy.UpgradeObproxyTask",
        "description": name,
        "downstreams": downs,
        "id": key,
        "name": name,
        "nodeType": "JAVA_TASK",
        "operation": "EXECUTE",
        "parallelIdx": idx,
        "prohibitRollback": False,
        "runTime": 1,
        "seriesId": 0,
        "status": status,
        "timeout": 1800,
        "upstreams": ups,
    }


def upgrade_response(servers: int, *, seed: int = 0) -> dict[str, Any]:
    """A just-created upgrade task over ``servers`` OBProxies, in its success envelope."""
    rng = random.Random(seed)
    total = servers * STEPS_PER_SERVER + 2
    ids = list(range(FIRST_ID, FIRST_ID + total))
    rng.shuffle(ids)  # a dense block, not in graph order
    start, finish = ids[0], ids[-1]
    subtasks = [_subtask(start, name="Start node", status="READY", idx=-1, ups=[], downs=[])]
    finish_node = _subtask(finish, name="Finish node", status="PENDING", idx=-1, ups=[], downs=[])
    for server in range(servers):
        chain = ids[1 + server * STEPS_PER_SERVER : 1 + (server + 1) * STEPS_PER_SERVER]
        subtasks[0]["downstreams"].append(chain[0])
        finish_node["upstreams"].append(chain[-1])
        for step, key in enumerate(chain):
            ups = [chain[step - 1] if step else start]
            downs = [chain[step + 1] if step < STEPS_PER_SERVER - 1 else finish]
            name = STEP_NAMES[step]
            subtasks.append(_subtask(key, name=name, status="PENDING", idx=server, ups=ups, downs=downs))
    subtasks.append(finish_node)
    rng.shuffle(subtasks)
    return {
        "data": {
            "context": {
                "listMap": {"obproxy_server_ids": [str(n + 1) for n in range(servers)], "host_ids": ["2"]},
                "parallel": False,
                "parallelIdx": -1,
                "stringMap": {"service_type": "OB_PROXY", "service_name": "test"},
            },
            "creator": "admin",
            "executor": "10.0.0.1",
            "id": 33149,
            "name": "Upgrade obproxy",
            "operation": "EXECUTE",
            "startTime": "2021-09-03T16:31:58.151+08:00",
            "status": "RUNNING",
            "subtasks": subtasks,
            "taskDefinitionId": -1,
            "type": "MANUAL",
        },
        "duration": 17,
        "server": "a83ad33525",
        "status": 200,
        "successful": True,
        "timestamp": "2021-09-03T16:31:58.162+08:00",
        "traceId": "0fda4c74b7a84932",
    }


def _baseline(spec: Spec) -> Callable[[Any], bool]:
    """The naive check: pure-Python jsonschema over the same schema, then networkx's cycle check."""
    name = spec.operation("upgrade").schema_name_for(200)
    assert name is not None
    validator = jsonschema.Draft202012Validator(
        standalone_schema(spec.document, name, strict=True),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )

    def check(body: Any) -> bool:
        errors = list(validator.iter_errors(body))
        graph = networkx.DiGraph()
        for subtask in body["data"]["subtasks"]:
            graph.add_node(subtask["id"])
            graph.add_edges_from((subtask["id"], target) for target in subtask["downstreams"])
            graph.add_edges_from((source, subtask["id"]) for source in subtask["upstreams"])
        return not errors and networkx.is_directed_acyclic_graph(graph)

    return check


def _rounds(steps: dict[str, Callable[[], object]], runs: int) -> dict[str, float]:
    """Median CPU seconds of each step over ``runs`` rounds, every step once per round.

    A step's result is freed after its clock stops: freeing a parsed body takes a fifth of the
    time parsing it did, and counting it would flatter every ratio to the parse.
    """
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(runs):
        for name, step in steps.items():
            began = time.process_time()
            result = step()
            samples[name].append(time.process_time() - began)
            del result
    return {name: statistics.median(values) for name, values in samples.items()}


def _peaks(raw: bytes, spec: Spec) -> tuple[int, int, int]:
    """tracemalloc: the peak while parsing, what the parsed body holds, the peak while validating it."""
    tracemalloc.start()
    try:
        body = orjson.loads(raw)
        body_size, parse_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        validate_response(body, spec=spec)
        validate_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return parse_peak, body_size, validate_peak


def measure(servers: int, spec: Spec, *, runs: int, baseline_runs: int) -> Row:
    """Generate one payload of ``servers`` chains and time every step on it."""
    raw = orjson.dumps(upgrade_response(servers))
    body = orjson.loads(raw)
    task = body["data"]
    operation = spec.operation("upgrade")
    found = validate_response(body, spec=spec)
    if found:
        first = found[0]
        sys.exit(f"the generated payload does not conform ({first.rule} at {first.pointer}): fix the bench")
    ours: dict[str, Callable[[], object]] = {
        "parse": lambda: orjson.loads(raw),
        "load_body": lambda: load_body(raw),
        "schema": lambda: list(check_schema(body, spec, operation, 200)),
        "DAG": lambda: list(check_dag(task)),
        "state": lambda: list(check_state(task)),
        "validate": lambda: validate_response(body, spec=spec),
    }
    times = _rounds(ours, runs)
    baseline = _baseline(spec)
    times["baseline"] = _rounds({"baseline": lambda: baseline(body)}, baseline_runs)["baseline"]
    peaks = _peaks(raw, spec)
    return Row(len(task["subtasks"]), len(raw) / 1e6, times, *peaks)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f}" if seconds < 10 else f"{seconds:8.1f}s"


def report(rows: list[Row], runs: int) -> None:
    """Print the table, the ratios and the targets."""
    print(f"validate_bench — CPU time, median of {runs} rounds (baseline: fewer, see --baseline-runs);")
    print("cyclic GC off while timing (parse, ours and baseline alike); times in ms\n")
    columns = ("parse", "load_body", "schema", "DAG", "state", "validate", "baseline")
    header = "".join(f"{name:>10}" for name in columns)
    print(f"{'subtasks':>9} {'MB':>6}{header}  validate/parse  baseline/ours")
    for row in rows:
        cells = "".join(f"{_ms(row.times[name]):>10}" for name in columns)
        validate_parse, speedup = row.ratio("validate", "parse"), row.ratio("baseline", "validate")
        print(f"{row.subtasks:>9,} {row.megabytes:>6.1f}{cells}  {validate_parse:>13.2f}x  {speedup:>12.0f}x")
    print()
    for row in rows:
        peak = row.validate_peak / row.parse_peak
        body, extra = row.body_size / 1e6, (row.validate_peak - row.body_size) / 1e6
        print(
            f"peak memory at {row.subtasks:,}: parsing {row.parse_peak / 1e6:.1f} MB (the body then holds "
            f"{body:.1f} MB); validating it {row.validate_peak / 1e6:.1f} MB (+{extra:.1f} MB over the body) "
            f"-> {peak:.2f}x parsing"
        )
    largest = rows[-1]
    outcome = {
        "validate / parse": largest.ratio("validate", "parse"),
        "memory / parse": largest.validate_peak / largest.parse_peak,
    }
    if len(rows) > 1:
        before = rows[-2]
        scaling = largest.times["validate"] / before.times["validate"]
        parse_scaling = largest.times["parse"] / before.times["parse"]
        print(
            f"\nscaling {largest.subtasks:,} / {before.subtasks:,} subtasks: validate {scaling:.1f}x, "
            f"parse {parse_scaling:.1f}x (for reference)"
        )
        outcome["validate scaling"] = scaling
    whole = (largest.times["load_body"] + largest.times["validate"]) / largest.times["parse"]
    print(
        f"\nthe command end to end at {largest.subtasks:,} subtasks (load_body + validate, for reference): "
        f"{whole:.2f}x the parse"
    )
    print(f"\ntargets at {largest.subtasks:,} subtasks (validate: the checks on the parsed body):")
    for name, value in outcome.items():
        limit = TARGETS[name]
        print(f"  {name:18s} {value:6.2f}x  (target <= {limit:g}x)  {'met' if value <= limit else 'NOT MET'}")
    speedup = largest.ratio("baseline", "validate")
    print(
        f"  {'baseline / ours':18s} {speedup:6.0f}x  (target >= {TARGET_SPEEDUP:g}x)  "
        f"{'met' if speedup >= TARGET_SPEEDUP else 'NOT MET'}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="1000,10000,100000", help="subtask counts, comma-separated")
    parser.add_argument("--runs", type=int, default=15, help="timing rounds per size (default 15)")
    parser.add_argument(
        "--baseline-runs", type=int, default=3, help="baseline rounds per size; 1 above 50,000 subtasks"
    )
    args = parser.parse_args(argv)
    spec = load_spec()
    gc.disable()
    rows = []
    for size in (int(item) for item in args.sizes.split(",")):
        baseline_runs = args.baseline_runs if size <= 50_000 else 1
        print(f"measuring {size:,} subtasks …", file=sys.stderr, flush=True)
        rows.append(measure(size // STEPS_PER_SERVER, spec, runs=args.runs, baseline_runs=baseline_runs))
    report(rows, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
