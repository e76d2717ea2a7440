"""Output that survives how a command is used: piped into ``head``, written to a non-UTF-8
terminal, stopped with Ctrl-C or ``kill``.

* :func:`prepare_streams` — stdout and stderr replace what their encoding cannot show (``?``)
  instead of raising ``UnicodeEncodeError`` (``PYTHONIOENCODING=ascii``, an old console).
* :func:`guarded` — runs a command with SIGTERM and SIGINT turned into an :class:`Interrupted`,
  so the command can write its partial results and exit 143 or 130; a
  closed stdout ends it quietly with :data:`EXIT_PIPE` (no traceback, no "Exception ignored").
* :class:`Lines` — prints one line at a time; once the reader has gone it drops what follows
  and, in the main thread, raises :class:`PipeClosed` once, so a long run stops instead of
  working for nobody.
* :func:`stop_when_stdout_closes` — for a server that prints nothing for a while (the mock): a
  watcher that sends the process SIGTERM when the reader of its stdout has gone.
* :func:`end_process` — for a short-lived command that has written everything: flush stdout and
  stderr and end the process at once, without freeing what it built (:func:`keep_until_exit`).
"""

from __future__ import annotations

import gc
import io
import os
import select
import signal
import stat
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from types import FrameType
from typing import NoReturn, TextIO

#: Exit code of a command whose stdout was closed by its reader (128 + SIGPIPE, as a shell says).
EXIT_PIPE = 141
#: Exit codes of a command ended by a signal (128 + its number).
EXIT_SIGNAL = {"SIGINT": 130, "SIGTERM": 143, "SIGPIPE": EXIT_PIPE}


class Interrupted(KeyboardInterrupt):
    """The command was asked to stop (``signal_name``: SIGINT, SIGTERM, SIGPIPE)."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name


class PipeClosed(Interrupted):
    """The reader of stdout has gone (``| head``): nothing more can be shown."""

    def __init__(self) -> None:
        super().__init__("SIGPIPE")


def signal_name(interrupt: KeyboardInterrupt) -> str:
    """``SIGTERM`` for an :class:`Interrupted` from ``kill``, ``SIGINT`` for a plain Ctrl-C."""
    return interrupt.signal_name if isinstance(interrupt, Interrupted) else "SIGINT"


def exit_code(interrupt: KeyboardInterrupt) -> int:
    return EXIT_SIGNAL.get(signal_name(interrupt), 130)


def prepare_streams() -> None:
    """Let stdout and stderr write any text: what the encoding cannot show becomes ``?``."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")


_silenced = threading.Event()


def silence_stdout() -> None:
    """Point stdout's descriptor at the null device: the interpreter's last flush cannot fail."""
    if _silenced.is_set():
        return
    _silenced.set()
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (a test's capture): nothing to flush at exit
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signal.Signals(signum).name)


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """SIGTERM and SIGINT raise :class:`Interrupted` in the main thread while the block runs.

    SIGINT is handled explicitly too: a process started in the background by a non-interactive
    shell inherits SIGINT *ignored*, so without a handler of its own Ctrl-C or ``kill -INT``
    would not stop it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def guarded(command: Callable[[], int]) -> int:
    """Run ``command`` with robust streams and SIGTERM as an interrupt; a closed stdout → 141."""
    prepare_streams()
    try:
        with sigterm_interrupts():
            return command()
    except PipeClosed:
        silence_stdout()
        return EXIT_PIPE
    except BrokenPipeError:
        silence_stdout()
        return EXIT_PIPE


class Lines:
    """Prints whole lines to ``out``; after the reader has gone, drops them (see the module doc)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.closed = False

    def __call__(self, text: str) -> None:
        if self.closed:
            return
        try:
            print(text, file=self.out, flush=True)
        except (BrokenPipeError, ValueError):  # ValueError: the stream was closed under us
            self.closed = True
            if self.out is sys.stdout or self.out is sys.__stdout__:
                silence_stdout()
            if threading.current_thread() is threading.main_thread():
                raise PipeClosed() from None


def _reader_gone(fd: int) -> bool:
    """Whether ``fd`` is a pipe whose reader has closed it (Linux and macOS report POLLERR)."""
    poller = select.poll()
    poller.register(fd, select.POLLERR)
    return any(event & select.POLLERR for _, event in poller.poll(0))


def stop_when_stdout_closes(*, every: float = 0.5) -> threading.Event:
    """Watch stdout; when its reader has gone (seen by a poll, or by a :class:`Lines` write that
    failed), silence it and send this process SIGTERM.

    Returns an event that ends the watch when set. Does nothing where stdout is not a pipe.
    """
    done = threading.Event()
    try:
        fd = sys.stdout.fileno()
        is_pipe = stat.S_ISFIFO(os.fstat(fd).st_mode) and hasattr(select, "poll")
    except (AttributeError, OSError, ValueError):
        return done
    if not is_pipe:
        return done

    def watch() -> None:
        while not done.wait(every):
            if _silenced.is_set() or _reader_gone(fd):
                silence_stdout()
                os.kill(os.getpid(), signal.SIGTERM)
                return

    threading.Thread(target=watch, name="stdout-watch", daemon=True).start()
    return done


_kept: list[object] = []
_at_once = threading.Event()


def prepare_to_end_at_once() -> None:
    """Announce that this process will end with :func:`end_process`: from now on
    :func:`keep_until_exit` holds what it is given."""
    _at_once.set()


def keep_until_exit(value: object) -> None:
    """Hold ``value`` — the last one given — until :func:`end_process`, when this process ends at once.

    Freeing a parsed 100,000-subtask body, millions of objects one by one, costs as much as a
    fifth of parsing it; a process about to end need not, the operating system takes the memory
    back at once. Only the last value is held: each earlier one is freed when the next comes,
    so a command over thousands of bodies holds one at a time. Everything alive is also moved
    out of the cyclic collector's sight (:func:`gc.freeze`, a constant-time splice): a body kept
    past the block that pauses the collector would otherwise be rescanned whole by the first
    collection after it — millions of young objects, longer than freeing them. Frozen objects
    are still freed by reference counting. Elsewhere (a command run in-process, a library call)
    nothing is held or frozen.
    """
    if _at_once.is_set():
        _kept[:] = [value]
        gc.freeze()


def end_process(code: int) -> NoReturn:
    """Flush stdout and stderr, then end the process with ``code`` without tearing it down.

    For a command that has written all it has to say and holds no file, thread or server: the
    interpreter's clean-up (freeing every object, running ``atexit``) would only delay the exit.
    A stdout whose reader has gone ends with :data:`EXIT_PIPE`, as :func:`guarded` does. Where
    coverage is measuring (it writes its data from ``atexit``), the process exits the usual way.
    """
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        silence_stdout()
        code = EXIT_PIPE
    with suppress(OSError, ValueError):  # nobody left to tell
        sys.stderr.flush()
    if "coverage" in sys.modules:
        raise SystemExit(code)
    os._exit(code)
