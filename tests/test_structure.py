"""The package keeps the structure ARCHITECTURE.md states (``tools/structure.py``), and the check
fails when it does not: each test adds one deliberate breach to a copy of the package."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools.structure import import_findings, main, name_findings

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "contracts"


def test_the_package_keeps_its_layers() -> None:
    assert import_findings(PACKAGE) == []


def test_no_class_or_module_name_is_used_twice() -> None:
    assert name_findings(PACKAGE) == []


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the package's sources to break."""
    target = tmp_path / "contracts"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__", "*.yaml", "*.j2"))
    return target


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n\n" + text, encoding="utf-8")


def test_a_lazy_back_edge_from_the_rules_to_the_runner_fails_the_lint_step(copy: Path) -> None:
    _append(
        copy / "rules" / "dag.py",
        "def _sneaky() -> object:\n    from contracts.run import runner\n\n    return runner\n",
    )
    findings = import_findings(copy)
    assert any(
        "contracts.rules.dag -> contracts.run.runner: imports a layer above its own" in f for f in findings
    ), findings
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "structure.py"), str(copy)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "contracts.rules.dag -> contracts.run.runner" in done.stdout


def test_a_relative_import_is_resolved_before_it_is_judged(copy: Path) -> None:
    _append(copy / "rules" / "state.py", "from ..mock import app as _app\n")
    assert any("contracts.rules.state -> contracts.mock.app" in f for f in import_findings(copy))


def test_the_mock_may_not_import_the_runner(copy: Path) -> None:
    _append(copy / "mock" / "app.py", "if False:\n    from contracts.run.wire import gate\n")
    findings = import_findings(copy)
    assert any(
        "contracts.mock.app -> contracts.run.wire.gate: front ends do not import each other" in f
        for f in findings
    ), findings


def test_inside_run_the_wire_may_not_import_the_judgement(copy: Path) -> None:
    _append(copy / "run" / "wire" / "gate.py", "from contracts.run.judging import judge as _judge\n")
    assert any(
        "contracts.run.wire.gate -> contracts.run.judging.judge: imports a layer of run/" in f
        for f in import_findings(copy)
    )


def test_schemathesis_stays_in_the_listed_run_modules(copy: Path) -> None:
    _append(copy / "rules" / "envelope.py", "import schemathesis as _st\n")
    _append(copy / "run" / "phases" / "workflow.py", "import schemathesis as _st\n")
    findings = "\n".join(import_findings(copy))
    assert "contracts.rules.envelope -> schemathesis" in findings
    assert "contracts.run.phases.workflow -> schemathesis" in findings


def test_a_private_module_is_its_packages_own(copy: Path) -> None:
    _append(copy / "commands" / "graph.py", "from contracts.rules import _dag_proof as _proof\n")
    assert any(
        "contracts.commands.graph -> contracts.rules._dag_proof: a private module" in f
        for f in import_findings(copy)
    )


def test_the_mock_core_does_not_read_the_spec(copy: Path) -> None:
    _append(copy / "mock" / "handlers.py", "from contracts.spec import load_spec as _load\n")
    assert any(
        "contracts.mock.handlers -> contracts.spec: the mock's core" in f for f in import_findings(copy)
    )


def test_a_second_class_of_the_same_name_is_found(copy: Path) -> None:
    _append(copy / "mock" / "settings.py", "class RunConfig:\n    pass\n")
    assert name_findings(copy) == [
        "class RunConfig is defined in contracts.mock.settings, contracts.run.config"
    ]


def test_a_second_module_of_the_same_name_is_found(copy: Path) -> None:
    (copy / "mock" / "engine.py").write_text('"""A second engine."""\n', encoding="utf-8")
    assert name_findings(copy) == [
        "module name 'engine' is used by contracts.mock.engine, contracts.run.phases.engine"
    ]


def test_main_prints_nothing_and_exits_0_on_the_package(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(PACKAGE)]) == 0
    assert capsys.readouterr().out == ""


def test_a_module_imported_by_its_name_as_a_string_is_found(copy: Path) -> None:
    """The CLI loads a sub-command through a plain import, so the graph above sees it."""
    loader = 'def _load() -> object:\n    import importlib\n\n    return importlib.import_module("x")\n'
    _append(copy / "cli.py", loader)
    assert any("contracts.cli: imports a module named by a string" in f for f in import_findings(copy))


def test_a_module_in_no_layer_is_found(copy: Path) -> None:
    (copy / "newcomer.py").write_text('"""Not yet placed."""\n', encoding="utf-8")
    (copy / "run" / "stray.py").write_text('"""Not yet placed in run/."""\n', encoding="utf-8")
    findings = "\n".join(import_findings(copy))
    assert "contracts.newcomer: in no layer" in findings
    assert "contracts.run.stray: in no layer" in findings
