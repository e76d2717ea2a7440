"""Writing a run's reports: ``--junit-xml PATH``; in ``--report-dir DIR``, ``report.md``,
``junit.xml``, ``exchanges.har`` and ``summary.json`` (the verdict as data); and
``--save-shape FILE``, the observed shape. Every file
passes the run's :class:`Redactor` on the way out.
"""

from __future__ import annotations

from pathlib import Path

from contracts.run.reporting import har as report_har
from contracts.run.reporting import junit as report_junit
from contracts.run.reporting import markdown as report_markdown
from contracts.run.reporting import shape as report_shape
from contracts.run.reporting import summary_json as report_summary
from contracts.run.reporting.redaction import Redactor
from contracts.run.runner import RunResult
from contracts.violations import UsageError


def redactor_for(result: RunResult) -> Redactor:
    """The scrubber of a run: its password and secret key, and the Basic token made of them."""
    return Redactor(result.config.secrets, username=result.config.username)


def _write(path: Path, data: bytes) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as error:
        raise UsageError(
            f"cannot write {path}: {error.strerror or error}; expected a writable path"
        ) from None
    return path


def write_reports(result: RunResult) -> list[Path]:
    """Write the reports the config asks for; returns their paths."""
    scrub = redactor_for(result)
    written: list[Path] = []
    config = result.config
    junit = report_junit.render(result, scrub) if config.junit_xml or config.report_dir else b""
    if config.junit_xml is not None:
        written.append(_write(config.junit_xml, junit))
    if config.report_dir is not None:
        written.append(_write(config.report_dir / "report.md", report_markdown.render(result, scrub)))
        if (
            config.junit_xml is None
            or config.junit_xml.resolve() != (config.report_dir / "junit.xml").resolve()
        ):
            written.append(_write(config.report_dir / "junit.xml", junit))
        written.append(
            _write(config.report_dir / "exchanges.har", report_har.render(result.exchanges, scrub))
        )
        written.append(
            _write(config.report_dir / report_summary.FILE_NAME, report_summary.render(result, scrub))
        )
    if config.save_shape is not None:
        written.append(_write(config.save_shape, report_shape.render(result, scrub)))
    return written
