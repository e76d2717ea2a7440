"""Many files checked by forked worker processes, their output replayed in the order given.

``validate`` over thousands of saved bodies spends its time in per-file work that holds the
interpreter (parsing, the compiled schema, the rules), so a second process is what a second
core can add. The files are cut into contiguous shares, one per worker. The command's own
process checks the first share, writing as it goes; each other share is checked by a child
forked once everything is imported and the spec's validators are compiled, so a child starts
working at once. A child writes nothing to the terminal: it records what it would have written
(stdout text, stderr text, a JSON report) in order, with its counts, and hands the record over
in an in-memory file. The parent replays the records share after share, so the output, the
counts and the exit code are those of one process checking the files in order.

Forking needs Linux (``os.fork``, ``os.memfd_create``) and a process running no other thread
(a program calling the command line in-process may run some); elsewhere, and for fewer than
:data:`MIN_FILES` files or one usable core, the files are checked in one process. A child that
dies (a signal, a crash) hands nothing back: its files are reported as not checked, with what it
said, and never as conforming.
"""

from __future__ import annotations

import marshal
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import NamedTuple

#: Fewer files are checked in one process: a fork costs about as much as checking a few files.
MIN_FILES = 64
#: At most this many workers however many cores: beyond it the shares are too small to pay.
MAX_JOBS = 8
#: Each worker takes at least this many files.
MIN_SHARE = 32

STDOUT, STDERR, REPORT = 0, 1, 2
_CRASHED = 70  # a worker's exit status when its check raised: its record is the traceback


class Counts(NamedTuple):
    """What the total line and the exit code need of a share: files that fail, files unusable."""

    failed: int
    unusable: int


class Output:
    """Where a share's results go: straight to the streams (the parent), or recorded (a child)."""

    def __init__(self, reports: list[str], record: list[tuple[int, str]] | None = None) -> None:
        self.reports = reports
        self.record = record

    def stdout(self, text: str) -> None:
        if self.record is None:
            sys.stdout.write(text)
        else:
            self.record.append((STDOUT, text))

    def stderr(self, text: str) -> None:
        if self.record is None:
            sys.stderr.write(text)
        else:
            self.record.append((STDERR, text))

    def report(self, text: str) -> None:
        """One file's rendered JSON object, kept for the document written at the end."""
        if self.record is None:
            self.reports.append(text)
        else:
            self.record.append((REPORT, text))


CheckShare = Callable[[Sequence[str], Output], Counts]
#: What to report for a share whose worker failed: its files, why, and where to write.
Unchecked = Callable[[Sequence[str], str, Output], Counts]


class WorkerFailed(RuntimeError):
    """A worker process ended without handing its share back."""


#: Where cgroup v2 says how much CPU time a container may use: ``"max 100000"`` (no limit) or
#: ``"200000 100000"`` (two cores' worth per period).
CPU_QUOTA = "/sys/fs/cgroup/cpu.max"


def usable_cores() -> int:
    """The cores this process may run on: its affinity, not the machine's count, and no more than
    its container's CPU quota (a CI job limited to two cores on a 64-core host gets two)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    quota = _quota_cores(CPU_QUOTA)
    return min(cores, quota) if quota else cores


def _quota_cores(path: str) -> int | None:
    """The cores a cgroup v2 ``cpu.max`` file allows, rounded up; ``None`` without a limit or file."""
    try:
        with open(path, encoding="ascii") as file:
            limit, period = file.read().split()[:2]
        return max(1, -(-int(limit) // int(period)))
    except (OSError, ValueError):  # no file, "max", or something unexpected: no limit known
        return None


def can_fork() -> bool:
    """Linux, and no other thread: a fork copies only the calling thread, and a lock another one
    held (an output stream's, the allocator's) would stay held in the child for ever."""
    linux = sys.platform.startswith("linux") and hasattr(os, "fork") and hasattr(os, "memfd_create")
    return linux and threading.active_count() == 1


def plan_jobs(requested: int | None, files: int) -> int:
    """How many processes check ``files`` files: ``requested`` (``--jobs``), else one per usable
    core; never more than :data:`MAX_JOBS`, nor more than gives each :data:`MIN_SHARE` files."""
    if files < MIN_FILES and requested is None:
        return 1
    jobs = usable_cores() if requested is None else requested
    jobs = min(jobs, MAX_JOBS, max(1, files // MIN_SHARE))
    return jobs if jobs > 1 and can_fork() else 1


def shares(names: Sequence[str], jobs: int) -> list[Sequence[str]]:
    """``names`` cut into ``jobs`` contiguous shares of sizes differing by at most one."""
    size, extra = divmod(len(names), jobs)
    cut, start = [], 0
    for index in range(jobs):
        end = start + size + (index < extra)
        cut.append(names[start:end])
        start = end
    return cut


class _Child(NamedTuple):
    pid: int
    fd: int
    share: Sequence[str]


def check_in_workers(
    names: Sequence[str], jobs: int, check_share: CheckShare, unchecked: Unchecked, output: Output
) -> Counts:
    """Check ``names`` in ``jobs`` processes; ``output`` receives every share's results in order.

    A share whose worker failed goes to ``unchecked`` with the reason.
    """
    cut = shares(names, jobs)
    sys.stdout.flush()
    sys.stderr.flush()
    children: list[_Child] = []
    here: list[Sequence[str]] = []  # shares left to this process once a fork is refused
    try:
        for position, share in enumerate(cut[1:], start=1):
            child = _fork(share, check_share)
            if child is None:
                here = cut[position:]
                break
            children.append(child)
        failed, unusable = check_share(cut[0], output)
        while children:
            child = children.pop(0)
            try:
                counts = _collect(child, output)
            except WorkerFailed as failure:
                counts = unchecked(child.share, str(failure), output)
            failed += counts.failed
            unusable += counts.unusable
        for share in here:  # after every child's: they hold the shares before these
            counts = check_share(share, output)
            failed += counts.failed
            unusable += counts.unusable
        return Counts(failed, unusable)
    finally:
        for child in children:  # the parent stops early (a closed stdout, Ctrl-C, an error)
            _stop(child)


def _fork(share: Sequence[str], check_share: CheckShare) -> _Child | None:
    """A child checking ``share``; ``None`` when the system refuses a process or a file (a sandbox
    without ``fork``, a process limit): the parent checks it then."""
    try:
        fd = os.memfd_create("ocp-contract-validate", os.MFD_CLOEXEC)
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(fd)
        return None
    if pid == 0:  # pragma: no cover - the child: its work is check_share, covered in one process
        _child(fd, share, check_share)
    return _Child(pid, fd, share)


def _child(fd: int, share: Sequence[str], check_share: CheckShare) -> None:  # pragma: no cover
    """Check ``share``, write the record to ``fd`` and end without running the parent's exit
    handlers or flushing the parent's buffers (which would repeat its output)."""
    status = 0
    try:
        record: list[tuple[int, str]] = []
        counts = check_share(share, Output([], record))
        payload = marshal.dumps((tuple(counts), record))
    except KeyboardInterrupt:
        os._exit(130)
    except BaseException:  # handed to the parent, which reports the share as not checked
        import traceback

        payload, status = marshal.dumps(traceback.format_exc()), _CRASHED
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view) :]
    os._exit(status)


def _collect(child: _Child, output: Output) -> Counts:
    """Wait for ``child`` and replay its record into ``output``."""
    _, status = os.waitpid(child.pid, 0)
    try:
        os.lseek(child.fd, 0, os.SEEK_SET)
        with open(child.fd, "rb", closefd=False) as file:
            payload = file.read()
    finally:
        os.close(child.fd)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        said = marshal.loads(payload) if payload and code == _CRASHED else ""
        how = f"ended by signal {-code}" if code < 0 else f"exited with status {code}"
        said = f":\n{said.rstrip()}" if said else ""
        files = f"{child.share[0]} and the {len(child.share) - 1} files after it"
        raise WorkerFailed(f"the worker checking {files} {how}{said}")
    counts, record = marshal.loads(payload)
    emit = {STDOUT: output.stdout, STDERR: output.stderr, REPORT: output.report}
    for kind, text in record:
        emit[kind](text)
    return Counts(*counts)


def _stop(child: _Child) -> None:
    with suppress(ProcessLookupError, ChildProcessError):
        os.kill(child.pid, signal.SIGKILL)
        os.waitpid(child.pid, 0)
    with suppress(OSError):
        os.close(child.fd)
