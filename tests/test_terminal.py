"""Output that survives real use: ``| head``, a non-UTF-8 stdout, SIGTERM mid-run.

The pipe and signal cases run the real command in a child process; they assert bounds with wide
margins (the CI machine is loaded), never tight timings.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from contracts import terminal
from contracts.cli import main

COMMAND = [sys.executable, "-m", "contracts.cli"]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCP_")}
    env.update(extra)
    return env


def test_a_run_piped_into_head_ends_quietly(tmp_path: Path) -> None:
    with subprocess.Popen(
        [*COMMAND, "run", "--max-examples", "2", "--seed", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
        cwd=tmp_path,
    ) as child:
        assert child.stdout is not None and child.stderr is not None
        assert child.stdout.readline().startswith(b"ocp-contract run:")
        child.stdout.close()  # what `| head -1` does
        code = child.wait(timeout=120)
        err = child.stderr.read().decode()
    assert code in (0, terminal.EXIT_PIPE), err
    assert "Traceback" not in err and "Exception ignored" not in err


def test_the_mock_piped_into_head_stops_serving() -> None:
    with subprocess.Popen(
        [*COMMAND, "mock", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env()
    ) as child:
        assert child.stdout is not None and child.stderr is not None
        assert child.stdout.readline().startswith(b"mock OCP listening on")
        child.stdout.close()
        try:
            code = child.wait(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover - the failure this test exists for
            child.kill()
            child.wait()
            pytest.fail("the mock kept serving after its stdout was closed")
        err = child.stderr.read().decode()
    assert code in (0, terminal.EXIT_PIPE), err
    assert "Traceback" not in err


def test_sigterm_ends_a_run_with_a_partial_report_and_exit_143(tmp_path: Path) -> None:
    with subprocess.Popen(
        [*COMMAND, "run", "--max-examples", "200", "--seed", "1", "--report-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    ) as child:
        assert child.stdout is not None and child.stderr is not None
        for line in child.stdout:
            if line.strip().startswith(b"workflow"):  # the workflow is over; the phases run
                break
        child.send_signal(signal.SIGTERM)
        out = child.stdout.read().decode()
        code = child.wait(timeout=60)
        err = child.stderr.read().decode()
    assert code == 143, err
    assert "Traceback" not in err
    assert out.strip().splitlines()[-1] == "INTERRUPTED by SIGTERM: partial results (exit 143)"
    assert "interrupted by SIGTERM" in (tmp_path / "report.md").read_text()


def test_sigint_is_handled_like_sigterm_even_when_inherited_ignored(tmp_path: Path) -> None:
    """A run started in the background inherits SIGINT ignored; ``kill -INT`` still stops it with
    its partial report and exit 130."""

    def ignore_sigint() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    with subprocess.Popen(
        [*COMMAND, "run", "--max-examples", "200", "--seed", "1", "--report-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
        preexec_fn=ignore_sigint,
    ) as child:
        assert child.stdout is not None and child.stderr is not None
        for line in child.stdout:
            if line.strip().startswith(b"workflow"):
                break
        child.send_signal(signal.SIGINT)
        out = child.stdout.read().decode()
        code = child.wait(timeout=60)
        err = child.stderr.read().decode()
    assert code == 130, err
    assert "Traceback" not in err
    assert out.strip().splitlines()[-1] == "INTERRUPTED by SIGINT: partial results (exit 130)"
    assert "interrupted by SIGINT" in (tmp_path / "report.md").read_text()


def test_any_stdout_encoding_works(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OCP_BASE_URL", "OCP_USERNAME", "OCP_PASSWORD", "OCP_ACCESS_KEY", "OCP_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    raw = io.BytesIO()
    ascii_out = io.TextIOWrapper(raw, encoding="ascii")
    monkeypatch.setattr(sys, "stdout", ascii_out)
    code = main(["run", "--max-examples", "1", "--seed", "1"])
    ascii_out.flush()
    text = raw.getvalue().decode("ascii")
    assert code == 0
    assert "OK: the target honours the contract" in text
    assert "?" in text, "what ascii cannot show is replaced"


def test_lines_drop_output_after_the_reader_has_gone() -> None:
    class Gone(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError

    lines = terminal.Lines(Gone())
    with pytest.raises(terminal.PipeClosed):
        lines("first")
    lines("second")  # dropped, no second exception
    assert lines.closed


def test_an_interrupt_names_its_signal_and_exit_code() -> None:
    assert terminal.exit_code(KeyboardInterrupt()) == 130
    assert terminal.exit_code(terminal.Interrupted("SIGTERM")) == 143
    assert terminal.exit_code(terminal.PipeClosed()) == terminal.EXIT_PIPE


def test_sigterm_becomes_an_interrupt_while_guarded() -> None:
    def command() -> int:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler interrupts this
        return 0

    with pytest.raises(terminal.Interrupted) as caught:
        terminal.guarded(command)
    assert caught.value.signal_name == "SIGTERM"
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


class _Ended(Exception):
    """What the patched ``os._exit`` raises instead of ending the test run."""


def _patched_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_exit(code: int) -> None:
        raise _Ended(code)

    monkeypatch.setattr(terminal.os, "_exit", fake_exit)
    monkeypatch.delitem(sys.modules, "coverage", raising=False)


def test_ending_at_once_flushes_both_streams_first(monkeypatch: pytest.MonkeyPatch) -> None:
    out, err = io.StringIO(), io.StringIO()
    flushed: list[str] = []
    monkeypatch.setattr(out, "flush", lambda: flushed.append("out"))
    monkeypatch.setattr(err, "flush", lambda: flushed.append("err"))
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    _patched_exit(monkeypatch)
    with pytest.raises(_Ended) as ended:
        terminal.end_process(1)
    assert ended.value.args == (1,) and flushed == ["out", "err"]


def test_ending_at_once_with_the_reader_gone_is_the_pipe_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    class Gone(io.StringIO):
        def flush(self) -> None:
            raise BrokenPipeError

    monkeypatch.setattr(sys, "stdout", Gone())
    monkeypatch.setattr(terminal, "silence_stdout", lambda: None)
    _patched_exit(monkeypatch)
    with pytest.raises(_Ended) as ended:
        terminal.end_process(0)
    assert ended.value.args == (terminal.EXIT_PIPE,)


def test_ending_under_coverage_is_a_usual_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "coverage", sys)  # present: its data is written at exit
    monkeypatch.setattr(terminal.os, "_exit", pytest.fail)
    with pytest.raises(SystemExit) as ended:
        terminal.end_process(2)
    assert ended.value.code == 2


def test_values_are_kept_only_in_a_process_that_ends_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    first, last = object(), object()
    monkeypatch.setattr(terminal, "_kept", [])
    terminal.keep_until_exit(first)
    assert terminal._kept == []  # in-process: nothing held, the caller frees as usual
    frozen: list[bool] = []
    monkeypatch.setattr(terminal, "_at_once", threading.Event())
    monkeypatch.setattr(terminal.gc, "freeze", lambda: frozen.append(True))
    terminal.prepare_to_end_at_once()
    terminal.keep_until_exit(first)
    terminal.keep_until_exit(last)
    assert terminal._kept == [last] and frozen == [True, True]


def test_a_process_that_ends_at_once_has_written_everything(capsys: pytest.CaptureFixture[str]) -> None:
    """The console script's way: ``main()`` with the process's own arguments ends the process."""
    sample = Path(__file__).resolve().parent / "data" / "documented-sample.json"
    cycle = Path(__file__).resolve().parent / "data" / "invalid" / "dag-cycle.json"
    argv = ["validate", "--format", "json", str(sample), str(cycle)]
    code = f"import sys; from contracts.cli import main; sys.argv[1:] = {argv!r}; main(); sys.exit(99)"
    child = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, env=_env()
    )
    assert child.returncode == 1, child.stderr  # main() ended the process: the 99 never ran
    assert main(argv) == 1  # in this process: returns
    assert child.stdout == capsys.readouterr().out and child.stdout.endswith("}\n")
