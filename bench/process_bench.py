"""``ocp-contract validate`` against parsing, whole process against whole process (not a test).

Run from the repository root::

    .venv/bin/python bench/process_bench.py [--runs 7] [--files 2000]

Three shapes of work, each timed as two whole processes side by side — one that only parses
(``orjson.loads`` of each file, the parser ``validate`` uses: the floor, nothing can be checked
before it is read) and ``ocp-contract validate`` on the same input:

* **one 100k body** — one upgrade task of about 100,000 subtasks (34 MB), from
  ``validate_bench.upgrade_response``; target ≤ 1.2× the parse, and a peak memory (the
  process's maximum resident set) no larger than the parse's;
* **many files** — 2,000 small task bodies (``--files``; 1 to 8 OBProxy chains each, about
  5 KB), given one by one: ``validate --operation task FILE…``; target ≤ 1.5×;
* **one directory** — the same files given as one argument: ``validate --operation task DIR``
  against a parse that walks the directory too.

``validate`` checks many files in one worker process per usable core (``--jobs``, by default
from 64 files on); both many-files shapes also print ``--jobs 1``, the whole work in one process,
as a reference: the targets are met by what a user runs (the default), and the reference shows
what a single core costs.

Lines are printed for reference, beside the targets: the 100k parse with the cyclic collector
paused, as ``validate`` parses; for the many files what any ``validate`` must do at least in one
process — read, parse strictly (the check for repeated keys and out-of-range integers after
orjson) and run the compiled schema, no other rule and no command line — and the command itself
(workers included) with the task rules (DAG, state, agreement) taken out, which shows what the
rules cost and what the rest leaves for them.

Rounds alternate parse and validate (after one warm-up each), so a busy moment on a shared
machine weighs on both alike; the figures are medians over ``--runs`` rounds. Wall time is what
the targets use (a user waits for it); CPU time (user + system, from ``wait4``) is printed
beside it, less moved by other jobs. The load average before and after is printed too.

The parse processes run with CPython's cyclic collector on, as a plain script does (see
``contracts.validate.collector_paused`` for why ``validate`` pauses it). The subprocesses get
this interpreter's environment, but may write bytecode caches (``PYTHONDONTWRITEBYTECODE`` is
dropped), as an installed tool has them. Peak memory is compared for the 100k body only: a
child's peak as ``wait4`` reports it starts from what this process held when it started the
child, which is why the inputs are written by a process of their own. Nothing fails on the
figures: wall time on a shared machine is no test.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BIG_SERVERS = 20_000  # five steps per server, plus the start and finish nodes: 100,002 subtasks
TARGETS = {"one 100k body": 1.2, "many files": 1.5, "one directory": 1.5}

PARSE_ONE = "import sys, orjson, pathlib; orjson.loads(pathlib.Path(sys.argv[1]).read_bytes())"
PARSE_ONE_PAUSED = "import gc; gc.disable(); " + PARSE_ONE
PARSE_FILES = (
    "import sys, orjson, pathlib\n"
    "for name in sys.argv[1:]:\n"
    "    orjson.loads(pathlib.Path(name).read_bytes())\n"
)
#: What any ``validate`` of these files must do at least: read each, parse it strictly (orjson,
#: then the check for repeated keys and out-of-range integers) and run the compiled schema — no
#: other rule, no command line, no output.
FLOOR_FILES = (
    "import gc, sys\n"
    "gc.disable()\n"
    "from contracts.spec import load_spec\n"
    "from contracts.validate import parse_body\n"
    "spec = load_spec()\n"
    "schema = spec.validator(spec.operation('task').schema_name_for(200), strict=True)\n"
    "for name in sys.argv[1:]:\n"
    "    with open(name, 'rb') as file:\n"
    "        schema.is_valid(parse_body(file.read()))\n"
)
#: ``validate`` with the task rules (DAG, state, agreement) taken out, run as the command runs:
#: what the rest of the work — start-up, read, strict parse, envelope, schema, output — costs.
WITHOUT_TASK_RULES = (
    "import sys\n"
    "import contracts.validate\n"
    "contracts.validate._task_rules = lambda task, ids: iter(())\n"
    "from contracts.cli import main\n"
    "sys.argv = ['ocp-contract', 'validate', '--operation', 'task', *sys.argv[1:]]\n"
    "sys.exit(main())\n"
)
PARSE_DIRECTORY = (
    "import sys, orjson, pathlib\n"
    "for path in sorted(pathlib.Path(sys.argv[1]).rglob('*.json')):\n"
    "    orjson.loads(path.read_bytes())\n"
)


@dataclass
class Sample:
    """One whole process: wall and CPU seconds, peak resident memory in bytes."""

    wall: float
    cpu: float
    peak: int


@dataclass
class Figures:
    """Medians over the rounds for one command."""

    wall: float
    cpu: float
    peak: int


def _tool() -> str:
    found = Path(sys.executable).with_name("ocp-contract")
    return str(found) if found.exists() else shutil.which("ocp-contract") or "ocp-contract"


def _environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def _run(argv: list[str], cwd: Path) -> Sample:
    """Run ``argv`` to its end, output discarded: wall time; CPU time and peak memory from ``wait4``."""
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_environment()
    )
    _, _, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = 0  # reaped here; keeps Popen from waiting again
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024)


def _medians(commands: dict[str, list[str]], runs: int, cwd: Path) -> dict[str, Figures]:
    samples: dict[str, list[Sample]] = {name: [] for name in commands}
    for argv in commands.values():  # one warm-up each: bytecode caches, the page cache, the spec cache
        _run(argv, cwd)
    for _ in range(runs):
        for name, argv in commands.items():
            samples[name].append(_run(argv, cwd))
    return {
        name: Figures(
            statistics.median(s.wall for s in found),
            statistics.median(s.cpu for s in found),
            int(statistics.median(s.peak for s in found)),
        )
        for name, found in samples.items()
    }


def _generate(work: Path, count: int) -> None:
    """Write ``big.json`` and ``count`` small task bodies (1 to 8 OBProxy chains each) under ``saved/``.

    Run in a process of its own (``--generate``): a child's peak memory as ``wait4`` reports it
    includes what its parent held when it started, so the measuring process stays small.
    """
    import orjson

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from validate_bench import upgrade_response  # the bench's own generator, beside this file

    (work / "big.json").write_bytes(orjson.dumps(upgrade_response(BIG_SERVERS)))
    rng = random.Random(21)
    (work / "saved").mkdir()
    for index in range(count):
        body = upgrade_response(rng.randint(1, 8), seed=index)
        (work / "saved" / f"task-{index:05d}.json").write_bytes(orjson.dumps(body))


def _line(label: str, figures: Figures, parse: Figures | None = None) -> str:
    peak = figures.peak / 1e6
    text = f"  {label:39s} {figures.wall:6.3f} s wall {figures.cpu:6.3f} s cpu {peak:6.1f} MB peak"
    if parse is not None:
        text += f"   {figures.wall / parse.wall:5.2f}x wall {figures.cpu / parse.cpu:5.2f}x cpu"
    return text


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    options.add_argument("--runs", type=int, default=7, help="alternating rounds per shape (default 7)")
    options.add_argument("--files", type=int, default=2000, help="small bodies for the many-files shapes")
    options.add_argument("--generate", metavar="DIR", help=argparse.SUPPRESS)
    args = options.parse_args(argv)
    if args.generate:
        _generate(Path(args.generate), args.files)
        return 0
    tool = _tool()
    load_before = os.getloadavg()
    results: dict[str, tuple[Figures, Figures]] = {}
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        generate = [sys.executable, __file__, "--generate", str(work), "--files", str(args.files)]
        subprocess.run(generate, check=True)
        big = work / "big.json"
        names = [f"saved/{path.name}" for path in sorted((work / "saved").glob("*.json"))]
        print(f"measuring ({args.runs} alternating rounds per shape) …", file=sys.stderr, flush=True)
        one = _medians(
            {
                "parse": [sys.executable, "-c", PARSE_ONE, big.name],
                "validate": [tool, "validate", big.name],
                "paused": [sys.executable, "-c", PARSE_ONE_PAUSED, big.name],
            },
            args.runs,
            work,
        )
        results["one 100k body"] = (one["parse"], one["validate"])
        files = _medians(
            {
                "parse": [sys.executable, "-c", PARSE_FILES, *names],
                "validate": [tool, "validate", "--operation", "task", *names],
                "one process": [tool, "validate", "--operation", "task", "--jobs", "1", *names],
                "floor": [sys.executable, "-c", FLOOR_FILES, *names],
                "no task rules": [sys.executable, "-c", WITHOUT_TASK_RULES, *names],
            },
            args.runs,
            work,
        )
        results["many files"] = (files["parse"], files["validate"])
        folder = _medians(
            {
                "parse": [sys.executable, "-c", PARSE_DIRECTORY, "saved"],
                "validate": [tool, "validate", "--operation", "task", "saved"],
                "one process": [tool, "validate", "--operation", "task", "--jobs", "1", "saved"],
            },
            args.runs,
            work,
        )
        results["one directory"] = (folder["parse"], folder["validate"])
    load_after = os.getloadavg()
    cores = os.cpu_count()
    print(
        f"validate against parsing, whole processes: medians of {args.runs} alternating rounds; "
        f"{cores} cores, load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    )
    titles = {
        "one 100k body": "one 100,002-subtask body (34 MB)",
        "many files": f"{args.files:,} files (1-8 chains each)",
        "one directory": f"the same {args.files:,} files as one directory",
    }
    workers = _workers(len(names))
    for shape, (parse, validate) in results.items():
        print(f"{titles[shape]}:")
        print(_line("parse (orjson.loads)", parse))
        label = "ocp-contract validate" + (f" ({workers} processes)" if shape != "one 100k body" else "")
        print(_line(label, validate, parse))
        if shape == "one 100k body":
            print(_line("parse, collector paused (reference)", one["paused"]))
        if shape == "many files":
            print(_line("validate --jobs 1 (reference)", files["one process"], parse))
            print(_line("strict parse + schema only (reference)", files["floor"], parse))
            print(_line("validate without the task rules (ref.)", files["no task rules"], parse))
        if shape == "one directory":
            print(_line("validate --jobs 1 (reference)", folder["one process"], parse))
    print("targets (wall time):")
    for shape, (parse, validate) in results.items():
        ratio, limit = validate.wall / parse.wall, TARGETS[shape]
        verdict = _verdict(ratio <= limit)
        print(f"  {shape:14s} validate / parse {ratio:5.2f}x  (target <= {limit:g}x)  {verdict}")
    parse, validate = results["one 100k body"]
    memory = validate.peak / parse.peak
    verdict = _verdict(memory <= 1)
    more = (validate.peak - parse.peak) / 1e6
    print(
        f"  {'one 100k body':14s} memory / parse   {memory:5.3f}x  (target <= 1x)    {verdict} "
        f"({more:+.1f} MB)"
    )
    return 0


def _workers(files: int) -> int:
    """How many processes ``validate`` uses for ``files`` files on this machine (its default)."""
    from contracts.commands._workers import plan_jobs

    return plan_jobs(None, files)


def _verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


if __name__ == "__main__":
    sys.exit(main())
