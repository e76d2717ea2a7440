"""``run --config FILE [--target NAME]``: options and named targets from TOML or pyproject.toml,
secrets only from environment variables the file names, one report per target and one combined
summary."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.cli import main
from contracts.mock import MockOCP, MockSettings, serve
from contracts.mock.http import MockServer
from contracts.run.config_file import load
from contracts.run.targets import combined_exit_code
from contracts.violations import UsageError

KNOWN = {"base-url", "username", "password", "max-examples", "task-id", "strict", "obproxy-ids", "config"}


@pytest.fixture
def two_mocks() -> Iterator[tuple[MockServer, MockServer]]:
    """Two mock OCPs over HTTP: a faithful one and one whose task graphs have a cycle."""
    with serve(port=0) as good, serve(MockOCP(settings=MockSettings(faults=("cycle",))), port=0) as broken:
        yield good, broken


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_two_targets_against_two_mocks_give_two_verdicts_and_one_combined_summary(
    tmp_path: Path,
    two_mocks: tuple[MockServer, MockServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good, broken = two_mocks
    for name in ("OCP_USERNAME", "OCP_PASSWORD", "OCP_ACCESS_KEY", "OCP_SECRET_KEY", "OCP_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STAGING_PASSWORD", "ocp-demo-admin")
    reports = tmp_path / "reports"
    config = _write(
        tmp_path / "ocp-contract.toml",
        f"""
[run]
max-examples = 1
phases = ["workflow", "examples"]
seed = 1
poll-interval = 0.01
report-dir = "{reports}"

[targets.staging]
base-url = "{good.url}"
username = "admin"
password-env = "STAGING_PASSWORD"

[targets.pre-upgrade]
base-url = "{broken.url}"
username = "admin"
password-env = "STAGING_PASSWORD"
""",
    )
    assert main(["run", "--config", str(config), "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "ocp-demo-admin" not in out
    combined = json.loads((reports / "summary.json").read_text(encoding="utf-8"))
    verdicts = {entry["name"]: entry["verdict"] for entry in combined["targets"]}
    assert verdicts == {"staging": "OK", "pre-upgrade": "FAILED"}
    assert combined["verdict"] == "FAILED"
    for name in verdicts:
        own = json.loads((reports / name / "summary.json").read_text(encoding="utf-8"))
        assert own["verdict"] == verdicts[name]
        assert "ocp-demo-admin" not in (reports / name / "exchanges.har").read_text(encoding="utf-8")
    assert out.strip().splitlines()[-1] == "FAILED: contract violations (exit 1)"

    # one target of the file, as one job of a CI matrix runs it
    assert main(["run", "--config", str(config), "--target", "staging", "--quiet"]) == 0


def test_pyproject_holds_the_same_under_tool_ocp_contract(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "pyproject.toml",
        """
[project]
name = "x"

[tool.ocp-contract.run]
max-examples = 3
strict = true

[tool.ocp-contract.targets.mock]
task-id = [33150, 33149]
obproxy-ids = [7, 8]
""",
    )
    (target,) = load(path, known=KNOWN, env={})
    assert target.name == "mock"
    assert target.argv == (
        "--max-examples",
        "3",
        "--strict",
        "--task-id",
        "33150",
        "--task-id",
        "33149",
        "--obproxy-ids",
        "7,8",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[targets.a]\npassword = "s3cret"',
            "a secret is never written in the file; name the environment variable",
        ),
        (
            '[targets.a]\npassword-env = "NOT_SET_ANYWHERE"',
            "targets.a.password-env: the environment variable NOT_SET_ANYWHERE is not set",
        ),
        ("[targets.a]\nmax-exampels = 3", "targets.a.max-exampels: not an option of 'ocp-contract run'"),
        ('[targets.a]\nconfig = "other.toml"', "targets.a.config: not an option"),
        ("[run]\nmax-examples = 3", "at least one [targets.NAME] table"),
        ("[runs]\n[targets.a]", "unknown table 'runs'"),
        ("[targets.a]\nmax-examples = {n = 1}", "expected a string or a number"),
        ("[targets\n", "not valid TOML"),
    ],
)
def test_a_mistake_in_the_file_is_one_line_naming_the_place(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path / "ocp.toml", text)
    with pytest.raises(UsageError, match="--config: ") as caught:
        load(path, known=KNOWN, env={})
    assert message in str(caught.value) and "s3cret" not in str(caught.value)


def test_a_pyproject_without_the_table_and_a_missing_file_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"expected a \[tool.ocp-contract\] table"):
        load(_write(tmp_path / "pyproject.toml", "[project]\n"), known=KNOWN, env={})
    with pytest.raises(UsageError, match="cannot read"):
        load(tmp_path / "absent.toml", known=KNOWN, env={})


def test_an_unknown_target_names_the_ones_there_are(tmp_path: Path) -> None:
    path = _write(tmp_path / "ocp.toml", "[targets.staging]\n[targets.production]\n")
    expected = r"'prod' is not a target of .*; expected one of staging, production"
    with pytest.raises(UsageError, match=expected):
        load(path, known=KNOWN, env={}, chosen=["prod"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--target", "staging"], "--target names a target of a config file: give --config FILE too"),
        (
            ["run", "--config", "{dir}/two.toml", "--junit-xml", "j.xml"],
            "junit-xml and save-shape name one file",
        ),
        (
            ["run", "--config", "{dir}/bad.toml"],
            "targets.a: argument --max-examples: invalid int value: 'many'",
        ),
    ],
)
def test_command_line_mistakes_exit_2_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    _write(tmp_path / "two.toml", "[targets.a]\n[targets.b]\n")
    _write(tmp_path / "bad.toml", '[targets.a]\nmax-examples = "many"\n')
    assert main([word.format(dir=tmp_path) for word in argv]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.err.count("\n") == 1
    assert "ocp-contract run: embedded" not in captured.out


def test_the_combined_verdict_keeps_the_precedence_of_one_run() -> None:
    assert combined_exit_code([0, 3, 2, 1]) == 1
    assert combined_exit_code([0, 3, 2]) == 2
    assert combined_exit_code([0, 3]) == 3
    assert combined_exit_code([0, 0]) == 0
    assert combined_exit_code([0, 130]) == 130


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[targets.a]\ntask-id = [true]", "expected a string or a number, got True"),
        ("[targets]\na = 1", "targets.a: expected a table of options"),
        ("run = 1\n[targets.a]", "expected a [run] table"),
        (
            "[targets.a]\npassword-env = 7",
            "targets.a.password-env: expected the name of an environment variable",
        ),
    ],
)
def test_more_mistakes_are_one_line_each(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UsageError, match="--config: ") as caught:
        load(_write(tmp_path / "ocp.toml", text), known=KNOWN, env={})
    assert message in str(caught.value)


def test_an_interrupted_target_stops_the_rest_and_its_code_wins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    from contracts.run.command import configure
    from contracts.run.targets import run_targets

    path = _write(
        tmp_path / "ocp.toml", f'[run]\nreport-dir = "{tmp_path / "r"}"\n[targets.a]\n[targets.b]\n'
    )
    ran: list[str] = []

    def interrupted(config: object) -> object:
        ran.append(str(getattr(config, "report_dir", "")))

        class Result:
            exit_code = 130
            target = "embedded"
            problem = None

        return Result()

    args = argparse.Namespace(config=str(path), target=None, quiet=True)
    code = run_targets(args, {}, configure=configure, run_one=interrupted)  # type: ignore[arg-type]
    assert code == 130 and len(ran) == 1
    combined = json.loads((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))
    assert [entry["verdict"] for entry in combined["targets"]] == ["INTERRUPTED", "NOT RUN"]
    assert capsys.readouterr().out.strip().endswith("(exit 130)")
