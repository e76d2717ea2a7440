"""``ocp-contract run``: the contract suite against the embedded mock OCP or a live one.

Exit 0 everything asked for was verified and honoured, 1 contract violations (they win over any
other outcome), 2 usage, configuration or connection error — always with one line on stderr,
never a traceback — 3 incomplete: nothing violated, but something asked for was not verified (the
summary says what and why); 130/143 after SIGINT/SIGTERM, with the partial reports written. The
verdict is the last line on stdout. The options and environment variables are a fixed interface
(other tooling depends on them).
"""

from __future__ import annotations

import argparse
import os
import sys

from contracts.run.config import (
    ALL_PHASES,
    DEFAULT_MAX_EXAMPLES,
    DEFAULT_MAX_RESPONSE_MB,
    DEFAULT_REQUEST_TIMEOUT,
    RunConfig,
    from_options,
    unused_options,
)
from contracts.run.judging.results import Results
from contracts.run.profile import run_profile
from contracts.run.reporting.console import Progress, banner, summary
from contracts.run.reporting.redaction import Redactor
from contracts.run.reporting.writer import write_reports
from contracts.run.runner import EXIT_ERROR, LIVE_POLL_INTERVAL, RunResult, run_suite
from contracts.run.targets import run_targets
from contracts.run.wire.safety import Policy
from contracts.run.wire.target import check_faults
from contracts.terminal import Lines
from contracts.versions import ocp_version


def _target_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("target and credentials")
    group.add_argument(
        "--base-url",
        metavar="URL",
        help="a live OCP (env OCP_BASE_URL); without it the embedded mock runs in-process",
    )
    group.add_argument("--username", help="HTTP Basic user (env OCP_USERNAME)")
    group.add_argument("--password", help="HTTP Basic password (env OCP_PASSWORD; prefer the variable)")
    group.add_argument("--access-key", help="AK/SK access key id (env OCP_ACCESS_KEY)")
    group.add_argument("--secret-key", help="AK/SK secret key (env OCP_SECRET_KEY; prefer the variable)")
    group.add_argument(
        "--ca-bundle", metavar="PATH", help="PEM file of the CA that signed the OCP's certificate"
    )
    group.add_argument(
        "--insecure", action="store_true", help="do not verify TLS certificates (verification is on)"
    )
    group.add_argument(
        "--fault",
        action="append",
        metavar="NAME",
        help="start the embedded mock with this named fault (repeatable; 'ocp-contract mock "
        "--list-faults' lists them): see a failure without a second terminal",
    )
    group.add_argument(
        "--ocp-version",
        type=ocp_version,
        metavar="3.1.1|4.0.0|4.0.3|4.2|latest",
        help="hold the target to what this OCP version documents (default: latest); before 4.0.3 "
        "the upgrade takes no body and only Basic auth exists",
    )


def _upgrade_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("real targets (live OCP)")
    group.add_argument("--cluster-id", type=int, metavar="N", help="a real OBProxy cluster id")
    group.add_argument("--obproxy-ids", metavar="1,2", help="real OBProxy server ids of that cluster")
    group.add_argument("--package", metavar="NAME", help="a real installation package (shortRpmName)")
    group.add_argument(
        "--allow-upgrade",
        action="store_true",
        help="permit requests that can start a real upgrade (of the target above only; "
        "implied for the embedded mock)",
    )
    group.add_argument(
        "--drill",
        metavar="LIST",
        help="drill the failure path: retry, rollback, skip, cancel, subtask-retry or all (needs "
        "--allow-upgrade; all by default on the embedded mock, none on a live OCP)",
    )
    group.add_argument(
        "--task-id",
        type=int,
        action="append",
        metavar="N",
        help="read-only: fetch and check an existing task (repeatable)",
    )


def _run_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("generation and politeness")
    group.add_argument(
        "--max-examples",
        type=int,
        metavar="N",
        help=f"cases per operation and phase (default {DEFAULT_MAX_EXAMPLES}); in the coverage phase per "
        "operation and kind of case; the examples phase sends the spec's own examples, a fixed handful",
    )
    group.add_argument(
        "--phases",
        metavar=",".join(ALL_PHASES),
        help="run only these phases (default: all); --max-examples bounds each",
    )
    group.add_argument(
        "--seed", type=int, metavar="N", help="reproduce a run (printed at the end of every run)"
    )
    group.add_argument("--workers", type=int, metavar="N", help="parallel workers (default 1)")
    group.add_argument("--rate-limit", metavar="10/s", help="at most N requests per s, m or h")
    group.add_argument(
        "--request-timeout",
        type=float,
        metavar="S",
        help=f"per-request timeout in seconds (default {DEFAULT_REQUEST_TIMEOUT:g})",
    )
    group.add_argument(
        "--max-time",
        type=float,
        metavar="S",
        help="a hard cap, never a budget: stop sending after this many seconds (what it cuts is "
        "reported as not verified); the run ends at most 2 s later",
    )
    group.add_argument(
        "--poll-interval",
        type=float,
        metavar="S",
        help=f"seconds between two polls of a followed task (default {LIVE_POLL_INTERVAL:g} on a live OCP)",
    )
    group.add_argument(
        "--max-response-mb",
        type=int,
        metavar="N",
        help="read at most N MB of one response; a larger one ends the run with exit 2 "
        f"(default {DEFAULT_MAX_RESPONSE_MB})",
    )
    group.add_argument("--strict", action="store_true", help="undocumented properties fail instead of warn")
    group.add_argument(
        "--require",
        metavar="OPS",
        help="operation ids (comma-separated) or 'all' that the run must exercise, else exit 3",
    )


def configure(parser: argparse.ArgumentParser) -> None:
    _target_options(parser)
    _upgrade_options(parser)
    _run_options(parser)
    group = parser.add_argument_group("config file (docs/guide.md)")
    group.add_argument(
        "--config",
        metavar="FILE",
        help="read options and named targets from a TOML file or pyproject.toml's [tool.ocp-contract]; "
        "without --target every target runs, each reporting in its own directory, with one combined summary",
    )
    group.add_argument(
        "--target", action="append", metavar="NAME", help="run only this target of --config (repeatable)"
    )
    group = parser.add_argument_group("reports")
    group.add_argument(
        "--quiet", action="store_true", help="no progress lines (for CI logs): only the summary and verdict"
    )
    group.add_argument("--junit-xml", metavar="PATH", help="JUnit XML: one test case per operation and check")
    group.add_argument(
        "--report-dir",
        metavar="DIR",
        help="write report.md, junit.xml and exchanges.har (credentials masked) here",
    )
    group.add_argument(
        "--save-shape", metavar="FILE", help="record what the target sent, for 'ocp-contract compare'"
    )


def _label(base_url: str | None) -> str:
    return base_url if base_url is not None else "embedded mock OCP (in-process)"


def run_one(config: RunConfig) -> RunResult:
    """One run of ``config``: banner, progress, reports, summary; the finished :class:`RunResult`."""
    scrub = Redactor(config.secrets, username=config.username)
    warning = unused_options(config)
    if warning is not None:
        print(f"ocp-contract run: {warning}", file=sys.stderr)
    results = Results()
    progress = Progress(results, Lines(sys.stdout), scrub, quiet=config.quiet, live=config.is_live)
    profile = run_profile(config.ocp_version)
    mode = Policy.for_run(config, profile).mode.value
    progress.say(banner(config, _label(config.base_url), mode, scrub, profile))
    result = run_suite(config, results=results, listener=progress, profile=profile)
    for path in write_reports(result):
        progress.say(f"  wrote {path}")
    for line in summary(result):
        progress.say(line)
    if result.exit_code == EXIT_ERROR and result.problem:
        print(scrub(f"ocp-contract run: {result.problem}"), file=sys.stderr)
    return result


def execute(args: argparse.Namespace) -> int:
    if args.config is not None or args.target:
        return run_targets(args, os.environ, configure=configure, run_one=run_one)
    config = from_options(vars(args), os.environ)
    check_faults(config.mock_faults)
    return run_one(config).exit_code
