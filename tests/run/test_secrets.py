"""A sentinel password and secret key appear in no report file, no JUnit file and no output.

The run uses them for real (the mock's only user has them), finds violations (a fault is on, so
failure texts with curl reproductions are written) and writes every report.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from contracts.cli import main
from tests.run.conftest import LIVE_URL, sentinel_inventory, serve

PASSWORD = "Sentinel-Password-7f3a9c"
SECRET_KEY = "Sentinel-Secret-Key-c41d2e"
FORBIDDEN = (PASSWORD, SECRET_KEY, base64.b64encode(f"sentinel:{PASSWORD}".encode()).decode())


def _leaks(text: str) -> list[str]:
    return [secret for secret in FORBIDDEN if secret in text]


@pytest.mark.parametrize(
    "credentials",
    [
        pytest.param({"OCP_USERNAME": "sentinel", "OCP_PASSWORD": PASSWORD}, id="basic"),
        pytest.param({"OCP_ACCESS_KEY": "sentinel-ak", "OCP_SECRET_KEY": SECRET_KEY}, id="aksk"),
    ],
)
def test_no_secret_in_reports_or_output(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    credentials: dict[str, str],
) -> None:
    for name in ("OCP_USERNAME", "OCP_PASSWORD", "OCP_ACCESS_KEY", "OCP_SECRET_KEY", "OCP_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in credentials.items():
        monkeypatch.setenv(name, value)
    reports, junit = tmp_path / "reports", tmp_path / "junit" / "results.xml"

    for _ in serve(sentinel_inventory(PASSWORD, SECRET_KEY), faults=("cycle",)):
        code = main(
            [
                "run",
                "--base-url",
                LIVE_URL,
                "--max-examples",
                "3",
                "--seed",
                "5",
                "--report-dir",
                str(reports),
                "--junit-xml",
                str(junit),
            ]
        )

    assert code in (1, 2)
    written = sorted(p for p in reports.rglob("*") if p.is_file())
    assert {p.name for p in written} == {"report.md", "junit.xml", "exchanges.har"}
    for path in [*written, junit]:
        assert _leaks(path.read_text(encoding="utf-8")) == [], path
    captured = capsys.readouterr()
    assert _leaks(captured.out + captured.err) == []
    assert "curl" in junit.read_text(encoding="utf-8"), "failures carry a reproduction"


def test_a_secret_passed_on_the_command_line_is_scrubbed_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("OCP_USERNAME", "OCP_PASSWORD", "OCP_ACCESS_KEY", "OCP_SECRET_KEY", "OCP_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for _ in serve(sentinel_inventory(PASSWORD, SECRET_KEY), faults=("wrong-content-type",)):
        main(
            [
                "run",
                "--base-url",
                LIVE_URL,
                "--username",
                "sentinel",
                "--password",
                PASSWORD,
                "--max-examples",
                "2",
                "--report-dir",
                str(tmp_path),
            ]
        )
    captured = capsys.readouterr()
    assert _leaks(captured.out + captured.err) == []
    for path in tmp_path.iterdir():
        assert _leaks(path.read_text(encoding="utf-8")) == [], path
