"""One test per operation and check of the contract run (see ``conftest.py`` for the target).

A failing test raises :class:`~contracts.violations.ContractViolation` — an ``AssertionError``
listing every violation (rule, pointer, expected, actual) and a curl to reproduce it.
"""

from __future__ import annotations

import pytest

from contracts.run import RunResult
from contracts.run.judging.judge import CHECK_NAMES, applies
from contracts.run.phases.plan import checks_config
from contracts.violations import ContractViolation

OPERATIONS = ("upgrade", "task", "tasks")
CHECKS = tuple(name for name, table in checks_config().items() if table["enabled"])
CELLS = [
    pytest.param(operation, check, id=f"{operation}-{check}")
    for operation in OPERATIONS
    for check in CHECKS
    if check not in CHECK_NAMES or applies(check, operation)
]


def test_run_completes(contract_run: RunResult) -> None:
    """No refused credentials, unreachable target or error of the run itself."""
    if contract_run.problem is not None:
        pytest.fail(contract_run.problem, pytrace=False)


@pytest.mark.parametrize(("operation", "check"), CELLS)
def test_operation_honours_check(contract_run: RunResult, operation: str, check: str) -> None:
    cell = contract_run.results.cells.get((operation, check))
    if cell is None or cell.total == 0:
        pytest.skip(f"no exchange of {operation} was judged by {check} in this run")
    if cell.failed:
        violations = [v for finding in cell.findings for v in finding.violations]
        reproductions = "\n".join(f"{f.title}\n{f.curl}" for f in cell.findings if f.curl)
        raise ContractViolation(
            violations,
            context=f"{cell.failed} of {cell.total} {operation} exchanges failed {check}\n{reproductions}",
        )
