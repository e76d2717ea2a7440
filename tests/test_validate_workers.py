"""``validate`` over many files in worker processes: the same output, counts and exit code as one
process, in the order given; a failed worker's files reported as not checked, never as conforming.

The forking paths run in subprocesses (the command line as users run it), so no test forks the
test runner itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from contracts.cli import main
from contracts.commands import _workers
from contracts.commands._workers import MAX_JOBS, MIN_FILES, MIN_SHARE, plan_jobs, shares

SAMPLE = Path(__file__).parent / "data" / "documented-sample.json"
FORKS = sys.platform.startswith("linux")
needs_fork = pytest.mark.skipif(not FORKS, reason="workers are forked on Linux only")


@pytest.mark.parametrize(("count", "jobs"), [(64, 2), (100, 3), (7, 7), (65, 8), (1, 1)])
def test_shares_are_contiguous_cover_every_name_in_order_and_differ_by_one_at_most(
    count: int, jobs: int
) -> None:
    names = [f"f{index}" for index in range(count)]
    cut = shares(names, jobs)
    assert len(cut) == jobs
    assert [name for share in cut for name in share] == names
    sizes = [len(share) for share in cut]
    assert max(sizes) - min(sizes) <= 1


def test_workers_are_planned_per_usable_core_only_for_enough_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_workers, "usable_cores", lambda: 4)
    monkeypatch.setattr(_workers, "can_fork", lambda: True)
    assert plan_jobs(None, MIN_FILES - 1) == 1  # too few files to pay for a fork
    assert plan_jobs(None, MIN_FILES) == MIN_FILES // MIN_SHARE  # each worker gets MIN_SHARE files
    assert plan_jobs(None, 10_000) == 4  # one per usable core
    assert plan_jobs(1, 10_000) == 1  # --jobs 1: one process
    assert plan_jobs(64, 100_000) == MAX_JOBS
    assert plan_jobs(3, 10) == 1  # asked for, but too few files for a second worker
    monkeypatch.setattr(_workers, "can_fork", lambda: False)
    assert plan_jobs(4, 10_000) == 1  # no fork here: one process whatever was asked


@pytest.mark.parametrize(
    ("cpu_max", "cores"),
    [("200000 100000\n", 2), ("150000 100000", 2), ("50000 100000", 1), ("max 100000", None)],
)
def test_a_containers_cpu_quota_caps_the_workers(tmp_path: Path, cpu_max: str, cores: int | None) -> None:
    quota = tmp_path / "cpu.max"
    quota.write_text(cpu_max)
    assert _workers._quota_cores(str(quota)) == cores
    assert _workers._quota_cores(str(tmp_path / "absent")) is None


def test_usable_cores_are_the_affinity_capped_by_the_quota(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    quota = tmp_path / "cpu.max"
    quota.write_text("100000 100000")
    monkeypatch.setattr(_workers, "CPU_QUOTA", str(quota))
    assert _workers.usable_cores() == 1
    quota.write_text("max 100000")
    assert _workers.usable_cores() >= 1


def test_no_fork_while_another_thread_runs() -> None:
    """A program that calls the command line in-process may hold locks in other threads."""
    script = textwrap.dedent(
        """
        import threading
        from contracts.commands._workers import can_fork

        alone = can_fork()
        stop = threading.Event()
        other = threading.Thread(target=stop.wait)
        other.start()
        print(alone, can_fork())
        stop.set()
        other.join()
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.stdout.split() == [str(FORKS), "False"], result.stderr


def test_jobs_must_be_a_positive_number(capsys: pytest.CaptureFixture[str]) -> None:
    for given in ("0", "-1", "many"):
        with pytest.raises(SystemExit) as stopped:
            main(["validate", str(SAMPLE), "--jobs", given])
        assert stopped.value.code == 2
        assert "expected a number of processes, 1 or more" in capsys.readouterr().err


def _saved_bodies(directory: Path, count: int) -> list[Path]:
    """``count`` saved answers: most conform, every 17th breaks the graph, every 29th is not JSON."""
    body = json.loads(SAMPLE.read_text())
    broken = json.loads(SAMPLE.read_text())
    broken["data"]["subtasks"][0]["upstreams"] = [broken["data"]["subtasks"][0]["id"]]  # names itself
    paths = []
    for index in range(count):
        path = directory / f"poll-{index:04d}.json"
        if index % 29 == 28:
            path.write_bytes(b"{not json")
        else:
            path.write_text(json.dumps(broken if index % 17 == 16 else body))
        paths.append(path)
    return paths


def _python(code: str) -> str:
    """What ``code`` prints in a fresh interpreter (as the command line runs: no other thread)."""
    command = [sys.executable, "-c", code]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout.strip()


def _validate(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "contracts.cli", "validate", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=240, check=False)


@needs_fork
@pytest.mark.parametrize("output_format", ["text", "json"])
def test_workers_give_exactly_the_output_of_one_process(tmp_path: Path, output_format: str) -> None:
    _saved_bodies(tmp_path, 3 * MIN_SHARE + 5)
    planned = "from contracts.commands._workers import plan_jobs; print(plan_jobs(3, 101))"
    assert _python(planned) == "3"  # a process like the command's forks three workers here
    one = _validate(str(tmp_path), "--format", output_format, "--jobs", "1")
    three = _validate(str(tmp_path), "--format", output_format, "--jobs", "3")
    assert one.returncode == three.returncode == 2  # unusable files among them
    assert three.stdout == one.stdout
    assert three.stderr == one.stderr
    if output_format == "json":
        total = json.loads(three.stdout)["total"]
        assert total == {"files": 101, "conform": 93, "fail": 5, "unusable": 3}
    else:
        assert three.stdout.splitlines()[-1] == (
            "total: 101 files, 93 conform, 5 do not conform, 3 cannot be checked"
        )
        assert "[dag.self-loop]" in three.stdout


@needs_fork
def test_files_given_one_by_one_are_reported_in_the_order_given(tmp_path: Path) -> None:
    paths = _saved_bodies(tmp_path, 2 * MIN_SHARE)
    given = [str(path) for path in reversed(paths)]
    result = _validate(*given, "--jobs", "2")
    verdicts = [line.split(": ")[0] for line in result.stdout.splitlines() if line.endswith("warning(s)")]
    unusable = [line.split(": ")[0] for line in result.stdout.splitlines() if "cannot be checked (" in line]
    assert [name for name in given if name in verdicts or name in unusable] == given
    assert [name for name in given if name in verdicts] == verdicts


@needs_fork
def test_a_worker_that_fails_leaves_its_files_not_checked_never_conforming(tmp_path: Path) -> None:
    """A worker that raises hands back its traceback: its files count as not checked (exit 2)."""
    script = textwrap.dedent(
        """
        import sys
        from contracts.commands._workers import Counts, Output, check_in_workers

        def check_share(share, out):
            if share[0] == "c":
                raise RuntimeError("checker broke on " + share[0])
            for name in share:
                out.stdout(name + ": conforms\\n")
            return Counts(0, 0)

        def unchecked(share, why, out):
            out.stderr("failed: " + why + "\\n")
            for name in share:
                out.stdout(name + ": cannot be checked\\n")
            return Counts(0, len(share))

        counts = check_in_workers(list("abcdef"), 3, check_share, unchecked, Output([]))
        print("counts", *counts)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "a: conforms",
        "b: conforms",
        "c: cannot be checked",
        "d: cannot be checked",
        "e: conforms",
        "f: conforms",
        "counts 0 2",
    ]
    assert "the worker checking c and the 1 files after it exited with status 70" in result.stderr
    assert "RuntimeError: checker broke on c" in result.stderr


@needs_fork
def test_a_worker_ended_by_a_signal_is_named_with_its_files(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import os, signal
        from contracts.commands._workers import Counts, Output, check_in_workers

        def check_share(share, out):
            if share[0] == "b":
                os.kill(os.getpid(), signal.SIGKILL)
            return Counts(0, 0)

        def unchecked(share, why, out):
            print(why)
            return Counts(0, len(share))

        print("counts", *check_in_workers(["a", "b"], 2, check_share, unchecked, Output([])))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.stdout.splitlines() == [
        "the worker checking b and the 0 files after it ended by signal 9",
        "counts 0 1",
    ]


@needs_fork
def test_a_closed_stdout_ends_the_command_and_its_workers(tmp_path: Path) -> None:
    _saved_bodies(tmp_path, 4 * MIN_SHARE)
    command = [sys.executable, "-m", "contracts.cli", "validate", str(tmp_path), "--jobs", "2"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline()
        process.stdout.close()
        assert process.wait(timeout=120) == 141
        assert first.startswith(str(tmp_path).encode())
        assert b"Traceback" not in process.stderr.read()


@needs_fork
def test_a_refused_fork_leaves_the_shares_to_the_command_itself() -> None:
    """In a sandbox without fork (or at a process limit) every share is still checked, in order."""
    script = textwrap.dedent(
        """
        import os
        from contracts.commands._workers import Counts, Output, check_in_workers

        def refuse():
            raise OSError(11, "Resource temporarily unavailable")

        os.fork = refuse

        def check_share(share, out):
            for name in share:
                out.stdout(name + " checked by " + str(os.getpid()) + "\\n")
            return Counts(len(share) % 2, 0)

        counts = check_in_workers(list("abcdefg"), 3, check_share, None, Output([]))
        print("counts", *counts)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == list("abcdefg")
    assert len({line.split()[-1] for line in lines[:-1]}) == 1  # all in the command's own process
    assert lines[-1] == "counts 1 0"  # shares of 3, 2 and 2 files


def _processes_naming(text: str) -> list[int]:
    """The processes whose command line contains ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if text.encode() in command:
                found.append(int(entry.name))
    return found


@needs_fork
def test_a_stopped_command_leaves_no_worker_behind(tmp_path: Path) -> None:
    """SIGTERM while the command is blocked writing (its reader does not read): exit 143, and no
    process checking these files outlives it."""
    folder = tmp_path / "polls"
    folder.mkdir()
    sample = SAMPLE.read_bytes()
    for index in range(4000):  # the command's own share prints far more than a pipe holds
        (folder / f"poll-{index:05d}.json").write_bytes(sample)
    command = [sys.executable, "-m", "contracts.cli", "validate", str(folder), "--jobs", "2"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline().startswith(str(folder).encode())
        process.terminate()
        assert process.wait(timeout=120) == 143
        left = _processes_naming(str(folder))  # before reading stderr, which a left worker holds open
        assert b"interrupted (SIGTERM)" in process.stderr.read()
    assert left == []
