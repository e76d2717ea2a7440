"""JUnit XML: one test case per operation and check, for CI dashboards.

A failed test case names the rules broken in its ``message`` and ``type``; its text gives, per
distinct finding, each violation (rule, JSON pointer, expected, actual, spec) and a curl that
reproduces the request with credentials masked. Requests the safety guard kept back are one
*skipped* test case per operation, and so is each phase that did not run, both with their reason;
what was asked for and not verified (exit 3) is one skipped test case ``run/verified`` naming
each; errors of the run (an unreachable target, refused credentials, a named target that does not
exist) are one test case with an ``<error>``. The verdict is the suite's ``verdict`` property.
"""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime

from contracts.run.judging.results import Cell, Finding
from contracts.run.reporting.redaction import Redactor
from contracts.run.reporting.verdicts import verdict_line
from contracts.run.runner import RunResult
from contracts.run.wire.rejection import path_segments, upgrade_path_ids
from contracts.run.wire.safety import BlockedRequest

_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
SUITE = "ocp-contract"


def xml_safe(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot hold shown as ``\\xNN``."""
    return _XML_INVALID.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def operation_for(url: str) -> str:
    """The short operation name a request URL belongs to (``upgrade``, ``task``, ``tasks``)."""
    if upgrade_path_ids(url) is not None:
        return "upgrade"
    segments = path_segments(url)
    return "tasks" if segments[-1:] == ["instances"] else "task"


def finding_text(finding: Finding) -> str:
    """A finding as plain text: where it came from, each violation, and the reproduction."""
    lines = [f"[{finding.phase}] {finding.title}"]
    lines += [violation.render() for violation in finding.violations]
    if finding.curl:
        lines += ["reproduce:", finding.curl]
    return "\n".join(lines)


def _failure(case: ET.Element, cell: Cell, scrub: Redactor) -> None:
    rules = Counter(rule for finding in cell.findings for rule in finding.rules)
    names = ", ".join(rule for rule, _ in rules.most_common())
    failure = ET.SubElement(
        case,
        "failure",
        message=xml_safe(scrub(f"{names}: {cell.failed} of {cell.total} exchanges failed")),
        type=names.split(", ")[0],
    )
    failure.text = xml_safe(scrub("\n\n".join(finding_text(f) for f in cell.findings)))


def _cell_case(suite: ET.Element, operation: str, check: str, cell: Cell, scrub: Redactor) -> None:
    case = ET.SubElement(
        suite, "testcase", classname=f"{SUITE}.{operation}", name=check, time=f"{cell.elapsed:.3f}"
    )
    if cell.failed:
        _failure(case, cell, scrub)


def _blocked_cases(suite: ET.Element, blocked: tuple[BlockedRequest, ...], scrub: Redactor) -> int:
    by_operation: dict[str, list[BlockedRequest]] = {}
    for request in blocked:
        by_operation.setdefault(operation_for(request.url), []).append(request)
    for operation, requests in sorted(by_operation.items()):
        case = ET.SubElement(
            suite, "testcase", classname=f"{SUITE}.{operation}", name="safety-guard", time="0"
        )
        reasons = "; ".join(sorted({r.reason for r in requests}))
        count = f"{len(requests)} request{'' if len(requests) == 1 else 's'}"
        skipped = ET.SubElement(
            case, "skipped", message=xml_safe(scrub(f"{count} kept back by the safety guard: {reasons}"))
        )
        skipped.text = xml_safe(scrub("\n".join(sorted({r.line() for r in requests}))))
    return len(by_operation)


def _skipped_cases(suite: ET.Element, result: RunResult, scrub: Redactor) -> int:
    """A skipped test case per phase that did not run, and one for what was not verified."""
    for phase, why in result.results.skipped.items():
        case = ET.SubElement(suite, "testcase", classname=f"{SUITE}.phases", name=phase, time="0")
        ET.SubElement(case, "skipped", message=xml_safe(scrub(f"{phase} skipped: {why}")))
    incomplete = result.results.incomplete
    if incomplete:
        case = ET.SubElement(suite, "testcase", classname=f"{SUITE}.run", name="verified", time="0")
        skipped = ET.SubElement(case, "skipped", message=xml_safe(scrub(f"not verified: {incomplete[0]}")))
        skipped.text = xml_safe(scrub("\n".join(incomplete)))
    return len(result.results.skipped) + (1 if incomplete else 0)


def _error_case(suite: ET.Element, result: RunResult, scrub: Redactor) -> int:
    problem = result.problem
    if problem is None:
        return 0
    case = ET.SubElement(
        suite, "testcase", classname=f"{SUITE}.run", name="run", time=f"{result.elapsed:.3f}"
    )
    error = ET.SubElement(case, "error", message=xml_safe(scrub(problem)), type="run-error")
    error.text = xml_safe(
        scrub(
            "\n".join([*result.results.unusable, *result.results.errors, *result.results.network_errors])
            or problem
        )
    )
    return 1


def _coverage_properties(result: RunResult) -> list[tuple[str, str]]:
    """``coverage`` (N of M operations exercised) and ``coverage.<operationId>.<status>`` per cell:
    the count, or ``not exercised (reason)``."""
    grid = result.coverage
    if grid is None:
        return []
    cells = [
        (
            f"coverage.{c.operation_id}.{c.status}",
            str(c.count) if c.exercised else f"not exercised ({c.reason})",
        )
        for c in grid.cells
    ]
    return [("coverage", grid.summary()), *cells]


def render(result: RunResult, scrub: Redactor) -> bytes:
    """The JUnit XML document of a run."""
    root = ET.Element("testsuites", name=SUITE)
    suite = ET.SubElement(
        root,
        "testsuite",
        name=f"{SUITE} run",
        timestamp=datetime.now(UTC).isoformat(),
        hostname=socket.gethostname(),
        time=f"{result.elapsed:.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("target", result.target),
        ("mode", result.mode),
        ("seed", str(result.seed)),
        ("verdict", verdict_line(result.exit_code, result.coverage)),
        *_coverage_properties(result),
        *((f"outcome.task.{t.task_id}", t.outcome()) for t in result.results.tasks if t.finished),
        *((f"drill.{d.name}", d.line()) for d in result.results.drills),
    ):
        ET.SubElement(properties, "property", name=name, value=xml_safe(scrub(value)))
    for (operation, check), cell in sorted(result.results.cells.items()):
        _cell_case(suite, operation, check, cell, scrub)
    skipped = _blocked_cases(suite, result.blocked, scrub) + _skipped_cases(suite, result, scrub)
    errors = _error_case(suite, result, scrub)
    failures = sum(1 for cell in result.results.cells.values() if cell.failed)
    tests = len(result.results.cells) + skipped + errors
    for element in (root, suite):
        element.set("tests", str(tests))
        element.set("failures", str(failures))
        element.set("errors", str(errors))
        element.set("skipped", str(skipped))
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document
