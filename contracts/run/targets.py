"""Several targets in one ``ocp-contract run --config FILE``: one run per target, one report
directory per target, and one combined summary.

Every target's configuration is built and checked before the first request, so a mistake in the
file costs nothing. Options given on the command line win over the file's (a repeatable one
replaces the file's list). The targets run one after another — a team with many OCPs scales out
on its CI runner's matrix (one job per ``--target``), not on a scheduler of ours.

The combined verdict keeps the precedence of one run's: violations (1) anywhere win, then an
error (2), then incomplete (3), else 0; a signal stops the remaining targets.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from contracts.run.config import RunConfig, from_options
from contracts.run.config_file import load
from contracts.run.reporting.verdicts import verdict_line, verdict_word
from contracts.run.runner import EXIT_ERROR, EXIT_INCOMPLETE, EXIT_OK, EXIT_VIOLATIONS, RunResult
from contracts.run.wire.target import check_faults
from contracts.violations import UsageError

#: Where the reports go when the file and the command line name no ``report-dir``.
DEFAULT_REPORT_DIR = Path("reports")
COMBINED_SUMMARY = "summary.json"
_PRECEDENCE = (EXIT_VIOLATIONS, EXIT_ERROR, EXIT_INCOMPLETE)
#: Namespace entries that are not run options.
_NOT_OPTIONS = ("command", "config", "target", "_execute")


class _FileOptions(argparse.ArgumentParser):
    """The run's parser reading a file's options: a malformed value is a :class:`UsageError`."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


@dataclass(frozen=True)
class TargetRun:
    """One target's name, configuration and (once run) verdict."""

    name: str
    config: RunConfig
    result: RunResult | None = None


def combined_exit_code(codes: list[int]) -> int:
    """One verdict for several runs: a signal, then 1, 2, 3 in that order, else 0."""
    for code in codes:
        if code not in (EXIT_OK, *_PRECEDENCE):
            return code
    return next((code for code in _PRECEDENCE if code in codes), EXIT_OK)


def _given_on_command_line(args: argparse.Namespace) -> dict[str, Any]:
    return {
        name: value
        for name, value in vars(args).items()
        if name not in _NOT_OPTIONS and value is not None and value is not False
    }


def _option_names(parser: argparse.ArgumentParser) -> set[str]:
    options = (option for action in parser._actions for option in action.option_strings)
    return {option[2:] for option in options if option.startswith("--")}


def plan(
    args: argparse.Namespace,
    env: Mapping[str, str],
    *,
    configure: Callable[[argparse.ArgumentParser], None],
) -> list[TargetRun]:
    """Every chosen target's checked :class:`RunConfig`, before anything is sent."""
    if args.config is None:
        raise UsageError("--target names a target of a config file: give --config FILE too")
    parser = _FileOptions(prog="ocp-contract run", add_help=False)
    configure(parser)
    targets = load(Path(args.config), known=_option_names(parser), env=env, chosen=args.target or ())
    given = _given_on_command_line(args)
    several = len(targets) > 1
    runs = []
    for target in targets:
        try:
            options = vars(parser.parse_args(list(target.argv)))
        except UsageError as error:
            raise UsageError(f"--config: [run] or targets.{target.name}: {error}") from None
        options.update(given)
        if several and (options.get("junit_xml") or options.get("save_shape")):
            raise UsageError(
                f"--config: targets.{target.name}: junit-xml and save-shape name one file; with several "
                "targets each writes junit.xml in its own report directory (set save-shape per target)"
            )
        config = from_options(options, env)
        check_faults(config.mock_faults)
        if several or config.report_dir is None:
            base = config.report_dir or DEFAULT_REPORT_DIR
            config = from_options({**options, "report_dir": str(base / target.name)}, env)
        runs.append(TargetRun(target.name, config))
    return runs


def summary_document(runs: list[TargetRun], exit_code: int) -> dict[str, Any]:
    """The combined summary: the overall verdict and each target's, with its report directory."""
    return {
        "version": 1,
        "verdict": verdict_word(exit_code),
        "exitCode": exit_code,
        "verdictLine": verdict_line(exit_code),
        "targets": [
            {
                "name": run.name,
                "target": run.result.target if run.result else None,
                "verdict": verdict_word(run.result.exit_code) if run.result else "NOT RUN",
                "exitCode": run.result.exit_code if run.result else None,
                "problem": run.result.problem if run.result else None,
                "reportDir": str(run.config.report_dir),
            }
            for run in runs
        ],
    }


def run_targets(
    args: argparse.Namespace,
    env: Mapping[str, str],
    *,
    configure: Callable[[argparse.ArgumentParser], None],
    run_one: Callable[[RunConfig], RunResult],
    say: Callable[[str], None] = print,
) -> int:
    """Run every chosen target of ``--config``; print and write the combined summary; its exit code."""
    runs = plan(args, env, configure=configure)
    done: list[TargetRun] = []
    for index, run in enumerate(runs):
        if len(runs) > 1:
            say(f"== target {run.name} ({index + 1} of {len(runs)})")
        result = run_one(run.config)
        done.append(replace(run, result=result))
        if result.exit_code not in (EXIT_OK, *_PRECEDENCE):
            break  # interrupted: the remaining targets are not run
    done += runs[len(done) :]
    code = combined_exit_code([run.result.exit_code for run in done if run.result is not None])
    if len(runs) > 1:
        document = summary_document(done, code)
        folder = _combined_folder(runs)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / COMBINED_SUMMARY
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        say(f"== {len(runs)} targets (combined summary: {path})")
        width = max(len(run.name) for run in runs)
        for entry in document["targets"]:
            say(f"  {entry['name']:<{width}}  {entry['verdict']:<11}  {entry['reportDir']}")
        say(verdict_line(code))
    return code


def _combined_folder(runs: list[TargetRun]) -> Path:
    """The folder every target's report directory sits in (their common parent)."""
    parents = {run.config.report_dir.parent for run in runs if run.config.report_dir is not None}
    return parents.pop() if len(parents) == 1 else DEFAULT_REPORT_DIR
