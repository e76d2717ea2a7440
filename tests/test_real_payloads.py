"""Bodies as OCP publishes them conform; their twins with one thing broken still fail.

``tests/data/real/`` holds response bodies transcribed from OCP's documentation (its README
names each source page and version) and ``manifest.yaml`` the operations each belongs to. A
healthy OCP must never be red: every body conforms under each of its operations, in text and
JSON output, with and without ``--strict``, with no warning either. ``tests/data/real/invalid/``
holds a twin of each with its expected (rule, pointer) pairs: the relaxations that let the real
bodies through keep their teeth.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from contracts.cli import main
from contracts.validate import validate_response

REAL = Path(__file__).parent / "data" / "real"
MANIFEST: dict[str, list[str]] = yaml.safe_load((REAL / "manifest.yaml").read_text())
CASES = [(name, operation) for name, operations in sorted(MANIFEST.items()) for operation in operations]
TWINS = sorted((REAL / "invalid").glob("*.json"))


def test_the_manifest_names_every_body_of_the_directory() -> None:
    assert sorted(MANIFEST) == sorted(path.name for path in REAL.glob("*.json"))


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
@pytest.mark.parametrize(("name", "operation"), CASES, ids=[f"{n}-{o}" for n, o in CASES])
def test_a_real_body_conforms_with_no_finding(name: str, operation: str, strict: bool) -> None:
    body = json.loads((REAL / name).read_text())
    assert validate_response(body, operation=operation, strict=strict) == []


@pytest.mark.parametrize("output", ["text", "json"])
@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
@pytest.mark.parametrize(("name", "operation"), CASES, ids=[f"{n}-{o}" for n, o in CASES])
def test_the_validate_command_says_a_real_body_conforms(
    name: str, operation: str, strict: bool, output: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["validate", str(REAL / name), "--operation", operation, "--format", output]
    code = main([*argv, "--strict"] if strict else argv)
    out = capsys.readouterr().out
    assert code == 0, out
    if output == "json":
        assert json.loads(out)["violations"] == []
    else:
        assert "conforms: 0 error(s), 0 warning(s)" in out


def _expectation(case: Path) -> dict:
    return yaml.safe_load(case.with_suffix("").with_suffix(".expect.yaml").read_text())


@pytest.mark.parametrize("case", TWINS, ids=[c.stem for c in TWINS])
def test_an_invalid_twin_fails_with_its_rule(case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expect = _expectation(case)
    expected = sorted((v["rule"], v["pointer"]) for v in expect["violations"])
    body = json.loads(case.read_text())
    violations = validate_response(body, operation=expect["operation"], strict=expect.get("strict", False))
    assert sorted((v.rule, v.pointer) for v in violations) == expected
    assert main(["validate", str(case), "--operation", expect["operation"], "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert sorted((v["rule"], v["pointer"]) for v in report["violations"]) == expected
