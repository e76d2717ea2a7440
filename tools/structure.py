"""The package's structure as rules a machine checks: layers, who may import what, unique names.

Reads every module of ``contracts/`` with :mod:`ast` (nothing is imported, so the check costs
no start-up and sees every import: module level, inside functions, under ``TYPE_CHECKING``) and
reports each import that breaks a rule of ``ARCHITECTURE.md``, each import of a module named by
a string (which no import graph can follow), each public class name defined in two modules and
each module name used by two packages. ``make lint`` runs it; so does the test
suite (``tests/test_structure.py``), which also proves that a back-edge makes it fail.

    python tools/structure.py [PACKAGE_DIR]     # exit 1 and one line per finding when broken
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

#: The layers, lowest first. A module may import its own layer and those below, never above.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("contracts.violations", "contracts._pointer", "contracts.ocp"),
    (
        "contracts.spec_cache",
        "contracts.spec",
        "contracts.spec_examples",
        "contracts.versions",
        "contracts.signing",
        "contracts.auth",
        "contracts.terminal",
    ),
    ("contracts.rules",),
    ("contracts.validate", "contracts.conformance", "contracts.sequence"),
    ("contracts.mock", "contracts.docs", "contracts.shapes", "contracts.run"),
    ("contracts.commands", "contracts.cli", "contracts.pytest_plugin", "contracts"),
)

#: The layers inside ``run/``, lowest first: what the run is asked to do, then the wire, the
#: judgement, the phases that drive requests, one run end to end, its reports, its command.
RUN_LAYERS: tuple[tuple[str, ...], ...] = (
    ("contracts.run.config", "contracts.run.config_file", "contracts.run.profile", "contracts.run.threads"),
    ("contracts.run.wire",),
    ("contracts.run.judging",),
    # the workflow's parts: one exchange; following a task, the probes, the cluster's servers
    ("contracts.run.phases.sequence_log",),
    ("contracts.run.phases.exchange",),
    ("contracts.run.phases.follow", "contracts.run.phases.probes", "contracts.run.phases.server_versions"),
    ("contracts.run.phases", "contracts.run.fault_table"),
    ("contracts.run.runner", "contracts.run"),
    ("contracts.run.reporting",),
    ("contracts.run.command", "contracts.run.targets"),
)

#: The front ends of one layer do not import each other, but for these edges.
FRONT_ENDS = ("contracts.mock", "contracts.docs", "contracts.shapes", "contracts.run")
FRONT_END_EDGES: dict[tuple[str, str], str] = {
    ("contracts.run.wire.target", "contracts.mock"): "the embedded target is the mock, in-process",
    ("contracts.run.fault_table", "contracts.mock"): "which check catches each of the mock's faults",
    ("contracts.run.reporting.shape", "contracts.shapes"): "--save-shape records what the run saw",
}

#: Who may import a package, beyond the package itself.
ONLY_IMPORTED_BY: dict[str, tuple[str, ...]] = {
    # The runner is a front end of its own: the CLI chooses it, nothing builds on it.
    "contracts.run": ("contracts.cli",),
}

#: Third-party packages only some modules may import (each a cost at start-up or a boundary).
THIRD_PARTY: dict[str, tuple[str, ...]] = {
    "schemathesis": (
        "contracts.run.judging.checks",
        "contracts.run.phases.collect",
        "contracts.run.phases.engine",
        "contracts.run.phases.hooks",
        "contracts.run.reporting.console",
        "contracts.run.runner",
    ),
    "numpy": ("contracts.rules._dag_proof",),
}

#: The mock's core answers without reading the contract; only its command reads the spec (to
#: learn whether the chosen OCP version's upgrade takes a body).
MOCK_CORE_FORBIDDEN = ("contracts.spec", "contracts.versions", "contracts.validate", "contracts.rules")
MOCK_SPEC_READERS = ("contracts.mock.serve_command",)

#: Imports of a private (underscored) module from outside its package, each with its reason.
PRIVATE_EDGES: dict[tuple[str, str], str] = {
    ("contracts.docs.flags", "contracts.rules._ids"): "ids compared as the DAG rule compares them",
    ("contracts.docs.taskgraph", "contracts.rules._ids"): "ids compared as the DAG rule compares them",
}

#: Module names more than one package may use. ``commands/`` names each module after the
#: sub-command it implements (``ocp-contract validate`` is ``commands/validate.py``), which is
#: how a reader finds it, so its names may repeat those of the layers they drive.
SHARED_MODULE_NAMES = frozenset({"__init__", "__main__"})
NAMED_AFTER_COMMANDS = "contracts.commands"


@dataclass(frozen=True, slots=True)
class Module:
    """One module of the package: its dotted name, its file, whether it is a package."""

    name: str
    path: Path
    is_package: bool


def modules(package_dir: Path) -> dict[str, Module]:
    """Every module under ``package_dir`` by dotted name (the directory's name is the root)."""
    found: dict[str, Module] = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = [package_dir.name, *path.relative_to(package_dir).with_suffix("").parts]
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        found[".".join(parts)] = Module(".".join(parts), path, is_package)
    return found


def imports_of(module: Module, known: Iterable[str]) -> Iterator[tuple[str, int]]:
    """``(imported module, line)`` for every import statement anywhere in ``module``.

    ``from a import b`` is an import of ``a.b`` when that is a module, else of ``a``; relative
    imports are resolved against the module's package.
    """
    names = set(known)
    tree = ast.parse(module.path.read_text(encoding="utf-8"), filename=str(module.path))
    package = module.name if module.is_package else module.name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            plain = False
            for alias in node.names:
                child = f"{base}.{alias.name}"
                if child in names:
                    yield child, node.lineno
                else:
                    plain = True
            if plain:
                yield base, node.lineno


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _rank(name: str, layers: tuple[tuple[str, ...], ...], facade: str) -> int | None:
    """The layer of ``name``: that of the longest prefix listed; ``facade`` (the package the
    layers divide) stands for its ``__init__`` alone."""
    best: tuple[int, int] | None = None
    for rank, layer in enumerate(layers):
        for prefix in layer:
            matches = name == prefix if prefix == facade else _within(name, prefix)
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), rank)
    return None if best is None else best[1]


def _front_end(name: str) -> str | None:
    return next((f for f in FRONT_ENDS if _within(name, f)), None)


def _edge_allowed(edges: dict[tuple[str, str], str], importer: str, imported: str) -> bool:
    return any(_within(importer, source) and _within(imported, target) for source, target in edges)


def _imports_by_string(module: Module) -> Iterator[int]:
    """Lines that import a module named by a string, which no import graph can follow."""
    tree = ast.parse(module.path.read_text(encoding="utf-8"), filename=str(module.path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__"):
                yield node.lineno


def import_findings(package_dir: Path) -> list[str]:
    """One line per import that breaks a rule, ``path:line: importer -> imported: why``."""
    found = modules(package_dir)
    findings: list[str] = []
    for module in found.values():
        importer = module.name
        if _rank(importer, LAYERS, "contracts") is None or (
            _within(importer, "contracts.run") and _rank(importer, RUN_LAYERS, "contracts.run") is None
        ):
            findings.append(f"{module.path}:1: {importer}: in no layer (add it to tools/structure.py)")
        for line in _imports_by_string(module):
            findings.append(f"{module.path}:{line}: {importer}: imports a module named by a string")
        for imported, line in imports_of(module, found):
            for why in _broken(importer, imported):
                findings.append(f"{module.path}:{line}: {importer} -> {imported}: {why}")
    return findings


def _broken(importer: str, imported: str) -> Iterator[str]:
    top = imported.split(".")[0]
    if top in THIRD_PARTY and not any(_within(importer, m) for m in THIRD_PARTY[top]):
        yield f"only {', '.join(THIRD_PARTY[top])} import {top}"
    if not _within(imported, "contracts") or importer == imported:
        return
    here, there = _rank(importer, LAYERS, "contracts"), _rank(imported, LAYERS, "contracts")
    if here is not None and there is not None and there > here:
        yield "imports a layer above its own"
    mine, theirs = _front_end(importer), _front_end(imported)
    if (
        mine is not None
        and theirs is not None
        and mine != theirs
        and not _edge_allowed(FRONT_END_EDGES, importer, imported)
    ):
        yield "front ends do not import each other"
    for package, allowed in ONLY_IMPORTED_BY.items():
        if _within(imported, package) and not _within(importer, package) and importer not in allowed:
            yield f"only {', '.join(allowed)} import {package}"
    if _within(importer, "contracts.run") and _within(imported, "contracts.run"):
        here, there = (
            _rank(importer, RUN_LAYERS, "contracts.run"),
            _rank(imported, RUN_LAYERS, "contracts.run"),
        )
        if here is not None and there is not None and there > here:
            yield "imports a layer of run/ above its own"
    if (
        _within(importer, "contracts.mock")
        and importer not in MOCK_SPEC_READERS
        and any(_within(imported, f) for f in MOCK_CORE_FORBIDDEN)
    ):
        yield "the mock's core does not read the contract"
    private = [i for i, part in enumerate(imported.split(".")) if part.startswith("_")]
    if private:
        owner = ".".join(imported.split(".")[: private[0]])
        if not _within(importer, owner) and not _edge_allowed(PRIVATE_EDGES, importer, imported):
            yield f"a private module of {owner}"


def name_findings(package_dir: Path) -> list[str]:
    """Public class names defined in two modules, and module names used by two packages."""
    found = modules(package_dir)
    classes: dict[str, list[str]] = defaultdict(list)
    module_names: dict[str, list[str]] = defaultdict(list)
    for module in found.values():
        tree = ast.parse(module.path.read_text(encoding="utf-8"), filename=str(module.path))
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                classes[node.name].append(module.name)
        short = module.name.rpartition(".")[2]
        if (
            "." in module.name
            and short not in SHARED_MODULE_NAMES
            and module.name.rpartition(".")[0] != NAMED_AFTER_COMMANDS
        ):
            module_names[short].append(module.name)
    findings = [
        f"class {name} is defined in {', '.join(sorted(where))}"
        for name, where in sorted(classes.items())
        if len(where) > 1
    ]
    findings += [
        f"module name {name!r} is used by {', '.join(sorted(where))}"
        for name, where in sorted(module_names.items())
        if len(where) > 1
    ]
    return findings


def main(argv: list[str]) -> int:
    """Print every finding; exit 1 when there is one."""
    package_dir = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent / "contracts"
    findings = import_findings(package_dir) + name_findings(package_dir)
    for line in findings:
        print(line)
    if findings:
        print(f"{len(findings)} structure finding(s); the rules are in tools/structure.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
