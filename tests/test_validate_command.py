"""``ocp-contract validate``: exit codes, output formats and one-line usage errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from contracts.cli import main

SAMPLE = Path(__file__).parent / "data" / "documented-sample.json"


def test_documented_sample_conforms(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(SAMPLE)]) == 0
    assert capsys.readouterr().out.strip().endswith("conforms: 0 error(s), 0 warning(s)")


def test_documented_sample_conforms_with_request_agreement() -> None:
    assert main(["validate", str(SAMPLE), "--request-obproxy-ids", "2"]) == 0


def test_reads_standard_input(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(SAMPLE.read_bytes())))
    assert main(["validate", "-", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == {"source": "standard input", "conforms": True, "violations": []}


def test_text_output_says_what_where_expected_and_actual(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = json.loads(SAMPLE.read_text())
    body["status"] = 500
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(body))
    assert main(["validate", str(path), "--http-status", "200"]) == 1
    out = capsys.readouterr().out
    assert "error: [envelope.status-mismatch]" in out
    assert "  at:       /status" in out
    assert "  expected: 200" in out and "  actual:   500" in out


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        pytest.param(b"", [], "is empty", id="empty-file"),
        pytest.param(b"{not json", [], "is not valid JSON", id="not-json"),
        pytest.param(b'{"data": {}}', [], "cannot tell the HTTP status", id="no-status"),
        pytest.param(
            b"{}", ["--request-obproxy-ids", "1,x"], "expected comma-separated integers", id="bad-ids"
        ),
        pytest.param(b"{}", ["--operation", "delete"], "invalid choice", id="bad-operation"),
    ],
)
def test_unusable_input_exits_2_with_one_line(
    tmp_path: Path, content: bytes, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "input.json"
    path.write_bytes(content)
    assert _exit_code(["validate", str(path), *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def _exit_code(argv: list[str]) -> int:
    """``main``'s return value, or the code argparse exits with."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)


def test_missing_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "absent.json")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_console_script_runs_as_a_process() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "contracts.cli", "validate", str(SAMPLE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


REAL = Path(__file__).resolve().parent / "data" / "real"


@pytest.mark.parametrize(
    ("name", "operation", "hint"),
    [
        ("task-list-v4.2.2.json", "upgrade", "add --operation tasks"),
        ("task-detail-v4.2.2.json", "tasks", "add --operation task or upgrade"),
        ("task-list-v4.2.2.json", "tasks", None),
        ("task-detail-v4.2.2.json", "task", None),
    ],
)
def test_a_body_checked_as_another_operation_gets_a_hint_naming_the_right_one(
    name: str, operation: str, hint: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["validate", str(REAL / name), "--operation", operation])
    hints = [line for line in capsys.readouterr().out.splitlines() if "looks like" in line]
    assert (code, hints) == ((0, []) if hint is None else (1, [hints[0]]))
    if hint is not None:
        assert hints[0].startswith("hint: ") and hints[0].endswith(hint)


def test_an_unknown_ocp_version_is_refused_as_run_refuses_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["validate", str(SAMPLE), "--ocp-version", "9"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "ocp-contract validate: --ocp-version: unknown OCP version '9'; "
        "expected 3.1.1|4.0.0|4.0.3|4.2|latest (or another 3.x or 4.x version)\n"
    )


@pytest.mark.parametrize("version", ["3.1.1", "4.2", "4.3.1", "latest"])
def test_a_known_ocp_version_is_accepted(version: str) -> None:
    assert main(["validate", str(SAMPLE), "--ocp-version", version]) == 0


def _without_target_list(tmp_path: Path) -> Path:
    body = json.loads(SAMPLE.read_text())
    del body["data"]["context"]["listMap"]["obproxy_server_ids"]
    path = tmp_path / "no-targets.json"
    path.write_text(json.dumps(body))
    return path


def test_request_obproxy_ids_says_it_was_not_checked_when_the_task_lists_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _without_target_list(tmp_path)
    assert main(["validate", str(path), "--request-obproxy-ids", "1,2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{path}: conforms: 0 error(s), 0 warning(s)",
        "note: --request-obproxy-ids was not checked: the task lists no OBProxy ids "
        "at /data/context/listMap/obproxy_server_ids",
    ]
    assert main(["validate", str(path), "--request-obproxy-ids", "1,2", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["notes"] == [out[1]] and report["conforms"] is True


@pytest.mark.parametrize(
    ("path", "args"),
    [
        pytest.param(REAL / "task-list-v4.2.2.json", ["--operation", "tasks"], id="a-task-list"),
        pytest.param(REAL / "error-java-api-error.json", ["--operation", "task"], id="an-error-answer"),
    ],
)
def test_no_note_where_no_task_was_answered(
    path: Path, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    main(["validate", str(path), "--request-obproxy-ids", "1", *args])
    assert "note:" not in capsys.readouterr().out


def test_no_note_when_the_ids_were_compared_or_not_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(SAMPLE), "--request-obproxy-ids", "2"]) == 0
    assert main(["validate", str(_without_target_list(tmp_path))]) == 0
    assert main(["validate", str(SAMPLE), "--request-obproxy-ids", "2", "--format", "json"]) == 0
    captured = capsys.readouterr().out
    assert "note:" not in captured and '"notes"' not in captured


def test_a_directory_stands_for_the_json_files_under_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a.json").write_bytes(SAMPLE.read_bytes())
    (tmp_path / "b" / "c.json").write_bytes(SAMPLE.read_bytes())
    (tmp_path / "notes.txt").write_text("not a body")
    assert main(["validate", str(tmp_path)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{tmp_path / 'a.json'}: conforms: 0 error(s), 0 warning(s)",
        f"{tmp_path / 'b' / 'c.json'}: conforms: 0 error(s), 0 warning(s)",
        "total: 2 files, 2 conform, 0 do not conform, 0 cannot be checked",
    ]


def test_one_directory_of_one_file_gives_the_several_files_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "only.json").write_bytes(b"{not json")
    assert main(["validate", str(tmp_path), "--format", "json"]) == 2
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["total"] == {"files": 1, "conform": 0, "fail": 0, "unusable": 1}
    assert "is not valid JSON" in report["files"][0]["error"]
    assert len(captured.err.splitlines()) == 1


def test_a_directory_without_json_files_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"ocp-contract validate: {tmp_path} holds no *.json file; "
        "expected a directory of saved response bodies\n"
    )


def test_help_shows_that_a_directory_may_be_given(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["validate", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "FILE|DIR" in help_text and "a directory stands for every *.json file under it" in help_text
