"""A sentinel password and secret key appear in no report file, no JUnit file and no output.

The run uses them for real (the mock's only user has them), finds violations (a fault is on, so
failure texts with curl reproductions are written) and writes every report.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from werkzeug.wrappers import Request, Response

from contracts._pointer import escape_token
from contracts.cli import main
from contracts.run.reporting.redaction import Redactor
from contracts.run.reporting.shape import redacted
from contracts.shapes import Shape, load_shape
from tests.run.conftest import LIVE_URL, RecordingOCP, sentinel_inventory, serve

PASSWORD = "Sentinel-Password-7f3a9c"
SECRET_KEY = "Sentinel-Secret-Key-c41d2e"
SMALL_RUN = ("--max-examples", "2", "--seed", "5")
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
    assert {p.name for p in written} == {"report.md", "junit.xml", "exchanges.har", "summary.json"}
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


def _leaky(ocp: RecordingOCP) -> None:
    """Make the mock echo the sentinels where a shape records text: a header name (which the
    recorder lower-cases), a property name holding a ``/`` (pointer-escaped to ``~1``), and an enum
    value (a task's status)."""
    handle = ocp.mock.handle

    def leaking(request: Request) -> Response:
        response = handle(request)
        body = json.loads(response.get_data())
        body[f"{PASSWORD}/{SECRET_KEY}"] = 1
        if isinstance(body.get("data"), dict) and "status" in body["data"]:
            body["data"]["status"] = SECRET_KEY
        response.set_data(json.dumps(body).encode())
        response.headers[f"X-Echo-{PASSWORD}"] = "1"
        response.headers[f"X-Echo-{SECRET_KEY}"] = "1"
        return response

    ocp.mock.handle = leaking  # type: ignore[method-assign]


@pytest.mark.parametrize(
    ("credentials", "held"),
    [
        pytest.param(["--username", "sentinel", "--password", PASSWORD], PASSWORD, id="basic"),
        pytest.param(["--access-key", "sentinel-ak", "--secret-key", SECRET_KEY], SECRET_KEY, id="aksk"),
    ],
)
def test_no_secret_in_a_saved_shape(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    credentials: list[str],
    held: str,
) -> None:
    """The mock echoes both sentinels; the one the run holds never reaches the shape file."""
    for name in ("OCP_USERNAME", "OCP_PASSWORD", "OCP_ACCESS_KEY", "OCP_SECRET_KEY", "OCP_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    saved = tmp_path / "shape.json"
    for ocp in serve(sentinel_inventory(PASSWORD, SECRET_KEY)):
        _leaky(ocp)
        code = main(["run", "--base-url", LIVE_URL, *credentials, *SMALL_RUN, "--save-shape", str(saved)])

    assert code in (0, 1), capsys.readouterr().err
    text = saved.read_text(encoding="utf-8")
    assert held.lower() not in text.lower(), text
    shape = load_shape(saved)
    assert "***" in json.dumps(shape.to_dict()), "the echoed sentinels were recorded, masked"
    assert "x-echo-***" in shape.operations["listTaskInstances"][200].headers, "matched whatever the case"
    assert f"wrote {saved}" in capsys.readouterr().out


def test_a_shape_is_scrubbed_in_the_form_each_text_was_recorded() -> None:
    """A secret with ``/`` and ``~`` is pointer-escaped in a path; a header name is lower-cased."""
    secret = "Pa/ss~Word-9"
    shape = Shape(meta={"target": f"echo {secret}"})
    entry = shape.status("listTaskInstances", 200)
    entry.headers.add(f"x-{secret.lower()}")
    entry.properties["/data/" + escape_token(secret)] = {"integer"}
    entry.add_enum_value("/data/status", secret.upper())
    entry.add_enum_value("/data/code", 7)

    clean = redacted(shape, Redactor([secret])).to_dict()

    assert secret.lower() not in json.dumps(clean).lower() and escape_token(secret) not in json.dumps(clean)
    assert clean["meta"] == {"target": "echo ***"}
    recorded = clean["operations"]["listTaskInstances"]["200"]
    assert recorded["headers"] == ["x-***"]
    assert recorded["properties"] == {"/data/***": ["integer"]}
    assert recorded["enums"] == {"/data/code": [7], "/data/status": ["***"]}
