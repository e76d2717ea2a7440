"""The command line as a whole: lazy sub-commands, ``--version``, several files for ``validate``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from contracts import cli

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "documented-sample.json"
CYCLE = ROOT / "tests" / "data" / "invalid" / "dag-cycle.json"

#: Modules a short command must not import: the heavy dependencies of the other sub-commands.
HEAVY = ("schemathesis", "jinja2", "openapi_spec_validator", "numpy", "werkzeug", "hypothesis")


def _imported_after(argv: list[str]) -> set[str]:
    """The top-level modules imported by ``ocp-contract ARGV`` in a fresh interpreter."""
    code = (
        "import sys, io, contextlib\n"
        "from contracts.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        f"        main({argv!r})\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(' '.join(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return set(result.stdout.split())


@pytest.mark.parametrize("argv", [["--help"], ["validate", str(SAMPLE)], ["--version"]])
def test_short_commands_import_none_of_the_heavy_dependencies(argv: list[str]) -> None:
    assert not set(HEAVY) & _imported_after(argv)


def test_each_listed_command_loads_a_module_that_configures_and_executes_it() -> None:
    for command in cli.COMMANDS:
        module = command.load()
        assert callable(module.configure) and callable(module.execute), command.name


def test_only_the_chosen_command_is_configured() -> None:
    args = cli.build_parser("validate", every=False).parse_args(["validate", str(SAMPLE)])
    assert args.files == [str(SAMPLE)] and args._execute is not None
    unconfigured = cli.build_parser(None, every=False).parse_args(["validate"])
    assert not hasattr(unconfigured, "_execute") and not hasattr(unconfigured, "files")


def test_version_names_the_package_the_contract_and_schemathesis(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("ocp-contract 0.")
    assert lines[1].startswith("contract ") and "unknown" not in lines[1]
    assert "spec/" not in lines[1] and ".yaml" not in lines[1], "an installed package has no such file"
    assert lines[2].startswith("schemathesis 4.")


def test_several_files_get_a_verdict_each_and_a_total(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", str(SAMPLE), str(CYCLE), str(SAMPLE)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line for line in out if line.startswith(str(SAMPLE))] == [
        f"{SAMPLE}: conforms: 0 error(s), 0 warning(s)"
    ] * 2
    assert f"{CYCLE}: does not conform: 1 error(s), 0 warning(s)" in out
    assert out[-1] == "total: 3 files, 2 conform, 1 do not conform, 0 cannot be checked"


def test_an_unusable_file_is_reported_and_the_others_still_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    absent = tmp_path / "absent.json"
    assert cli.main(["validate", str(absent), str(CYCLE)]) == 2
    captured = capsys.readouterr()
    assert f"cannot read {absent}" in captured.err and len(captured.err.splitlines()) == 1
    assert f"{CYCLE}: does not conform" in captured.out
    assert captured.out.splitlines()[-1] == "total: 2 files, 0 conform, 1 do not conform, 1 cannot be checked"


def test_json_for_several_files_is_one_document_a_pipeline_can_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    absent = tmp_path / "absent.json"
    assert cli.main(["validate", "--format", "json", str(SAMPLE), str(CYCLE), str(absent)]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["conforms"] is False
    assert report["total"] == {"files": 3, "conform": 1, "fail": 1, "unusable": 1}
    sample, cycle, unusable = report["files"]
    assert sample == {"source": str(SAMPLE), "conforms": True, "violations": []}
    assert [v["rule"] for v in cycle["violations"]] == ["dag.cycle"]
    assert unusable["source"] == str(absent) and "cannot read" in unusable["error"]


def test_standard_input_is_read_once_at_most(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", "-", "-"]) == 2
    assert "standard input (-) can be read only once" in capsys.readouterr().err


def test_no_command_prints_the_usage_and_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("usage: ocp-contract [-h] [--version]")
    assert err[-1].startswith("ocp-contract: error: expected a command: validate, check-spec,")
    assert cli.main(["--quiet"]) == 2


def test_check_spec_takes_a_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from contracts.spec import spec_path

    copy = tmp_path / "edited.yaml"
    copy.write_bytes(spec_path().read_bytes())
    assert cli.main(["check-spec", str(copy)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("edited.yaml: valid OpenAPI 3.1")
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.1.0\ninfo: {title: x, version: '1'}\n", encoding="utf-8")
    assert cli.main(["check-spec", str(broken)]) == 2
    assert "broken.yaml is not an OpenAPI document" in capsys.readouterr().err


def test_validate_starts_without_the_modules_it_has_no_use_for() -> None:
    """Neither shutil (argparse asks it the terminal's width) nor hashlib (the spec cache's key):
    each costs a few milliseconds of every start. The first run fills the spec cache."""
    _imported_after(["validate", str(SAMPLE)])
    assert not {"shutil", "hashlib"} & _imported_after(["validate", str(SAMPLE)])


def test_the_help_is_as_wide_as_the_terminal_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    assert cli.terminal_columns() == 60
    assert cli._Formatter("ocp-contract")._width == 58  # as argparse's own: the width less 2
    assert cli._Formatter("ocp-contract", width=40)._width == 40  # a width given is kept
    monkeypatch.setenv("COLUMNS", "wide")  # unusable: the terminal is asked
    monkeypatch.setattr(cli.os, "get_terminal_size", lambda fd: os.terminal_size((100, 30)))
    assert cli.terminal_columns() == 100
    monkeypatch.setattr(cli.os, "get_terminal_size", lambda fd: (_ for _ in ()).throw(OSError()))
    assert cli.terminal_columns() == 80  # no terminal either


def test_validate_as_the_process_itself_ends_it_once_done(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``main()`` with the process's own arguments: prepared to end at once, then ended with the code."""
    calls: list[object] = []

    class Ended(Exception):
        pass

    def end(code: int) -> None:
        calls.append(code)
        raise Ended

    monkeypatch.setattr(cli.terminal, "prepare_to_end_at_once", lambda: calls.append("prepared"))
    monkeypatch.setattr(cli.terminal, "end_process", end)
    monkeypatch.setattr(sys, "argv", ["ocp-contract", "validate", str(CYCLE)])
    with pytest.raises(Ended):
        cli.main()
    assert calls == ["prepared", 1] and "dag.cycle" in capsys.readouterr().out
    calls.clear()
    assert cli.main(["validate", str(CYCLE)]) == 1 and calls == []  # arguments given: in-process
