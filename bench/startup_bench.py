"""How fast ``ocp-contract`` starts, as a pipeline calls it: whole processes (not a test).

Run from the repository root::

    .venv/bin/python bench/startup_bench.py [--runs 15]

Times the wall clock of whole processes (median of ``--runs``, interleaved so that a busy moment
on a shared machine weighs on every command alike), beside the floor no command can beat:

* ``python -c pass`` — a bare interpreter start (with this virtualenv's site-packages);
* ``ocp-contract --help`` — target ≤ 0.15 s: nothing but the parser is imported;
* ``ocp-contract validate small.json`` — target ≤ 0.25 s: a 2 KB saved response (the documented
  sample), so the command's own start — imports, the spec, the compiled validators — is timed.

Large bodies and many files, against processes that only parse them, are
``bench/process_bench.py``'s.

The figures are printed beside their targets; nothing fails on them (wall time on a shared
machine is no test). Each subprocess runs with this interpreter's environment, but may write
bytecode caches (``PYTHONDONTWRITEBYTECODE`` is dropped), as an installed tool has them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "documented-sample.json"


def _tool() -> str:
    found = Path(sys.executable).with_name("ocp-contract")
    return str(found) if found.exists() else shutil.which("ocp-contract") or "ocp-contract"


def _wall(argv: list[str], cwd: Path) -> float:
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    started = time.perf_counter()
    subprocess.run(
        argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=environment
    )
    return time.perf_counter() - started


def _medians(commands: dict[str, list[str]], runs: int, cwd: Path) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in commands}
    for argv in commands.values():  # one warm-up each: compiled bytecode, the page cache, the spec cache
        _wall(argv, cwd)
    for _ in range(runs):
        for name, argv in commands.items():
            times[name].append(_wall(argv, cwd))
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--runs", type=int, default=15, help="rounds per command (default 15)")
    args = options.parse_args(argv)
    tool = _tool()
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        shutil.copy(SAMPLE, work / "small.json")
        start = _medians(
            {
                "bare": [sys.executable, "-c", "pass"],
                "help": [tool, "--help"],
                "validate": [tool, "validate", "small.json"],
            },
            args.runs,
            work,
        )
    print(f"start-up, whole processes (wall clock, median of {args.runs}):")
    print(f"  python -c pass (bare interpreter)        {start['bare']:6.3f} s")
    print(f"  ocp-contract --help                      {start['help']:6.3f} s   target <= 0.150 s")
    print(f"  ocp-contract validate small.json (2 KB)  {start['validate']:6.3f} s   target <= 0.250 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
