"""``ocp-contract validate``'s output, byte for byte, on a fixed set of inputs.

Every case runs the command in-process from the repository root (so the printed file names are
the relative ones given) and compares the exit code, standard output and standard error with
``tests/data/golden/validate/<case>.txt``. A change that alters what the command prints, in
either format, for one file or many, shows here first. After an intended change, rewrite the
files with ``OCP_UPDATE_GOLDEN=1 pytest tests/test_validate_golden.py`` and review the diff.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest

from contracts.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "data" / "golden" / "validate"
INVALID = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "data" / "invalid").glob("*.json"))
SAMPLE = "tests/data/documented-sample.json"
CYCLE = "tests/data/invalid/dag-cycle.json"
LIST = "tests/data/real/task-list-v4.2.2.json"
DETAIL = "tests/data/real/task-detail-v4.2.2.json"
ABSENT = "tests/data/absent.json"
DIRECTORY = "tests/data/golden/directory"  # copies of the files above, a nested one and a README

CASES: dict[str, list[str]] = {
    "sample-text": [SAMPLE],
    "sample-json": [SAMPLE, "--format", "json"],
    "cycle-text": [CYCLE],
    "cycle-json": [CYCLE, "--format", "json"],
    "absent-text": [ABSENT],
    "agreement-mismatch-text": [SAMPLE, "--request-obproxy-ids", "1,3"],
    "list-as-upgrade-text": [LIST],
    "detail-as-tasks-json": [DETAIL, "--operation", "tasks", "--format", "json"],
    "detail-strict-text": [DETAIL, "--operation", "task", "--strict"],
    "several-text": [SAMPLE, CYCLE, ABSENT, LIST, SAMPLE],
    "several-json": [SAMPLE, CYCLE, ABSENT, LIST, "--format", "json"],
    "every-invalid-text": INVALID,
    "every-invalid-json": [*INVALID, "--format", "json"],
    "every-invalid-strict-task-text": [*INVALID, "--strict", "--operation", "task", "--http-status", "200"],
    "stdin-text": ["-"],
    "directory-json": [DIRECTORY, "--format", "json"],
    "directory-and-file-text": [DIRECTORY, SAMPLE],
}


def _run(argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((ROOT / CYCLE).read_bytes())))
    try:
        code = main(["validate", *argv])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return f"exit: {code}\n--- stdout ---\n{captured.out}--- stderr ---\n{captured.err}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_output_is_byte_identical_to_the_golden_file(
    case: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    found = _run(CASES[case], monkeypatch, capsys)
    golden = GOLDEN / f"{case}.txt"
    if os.environ.get("OCP_UPDATE_GOLDEN"):
        golden.write_text(found, encoding="utf-8")
    assert found == golden.read_text(encoding="utf-8")
