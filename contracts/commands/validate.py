"""``ocp-contract validate FILE…|DIR…``: check saved responses (each the whole envelope, as sent).

A directory stands for every ``*.json`` file under it (subdirectories too, in sorted order) and
always gives the several-files report, whatever it holds.

Text output: each file's findings, then one verdict line per file, then — for several files — a
total. ``--format json`` prints one JSON document: for one file ``{"source", "conforms",
"violations"}``; for several ``{"conforms", "total", "files": [those objects]}``, where a file
that cannot be checked has ``"error"`` instead of ``"violations"``. Exit 0 when every file
conforms, 1 when any has an error-level violation, 2 when any cannot be checked (the others
are still checked and reported).

Thousands of files: the spec and its compiled validators are made once for all files; each
file's result is written as soon as it is checked (text) or rendered at once and only its text
kept (JSON, whose head holds the totals); nothing else is kept per file but the counts the total
needs. From 64 files on, they are checked by one process per usable core, forked once the
validators are compiled, and their results replayed in the order given
(:mod:`contracts.commands._workers`; ``--jobs N`` chooses, ``--jobs 1`` keeps one process). Run
as a process, the command ends as soon as its output is flushed, the last body unfreed
(:func:`contracts.terminal.end_process`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from contracts.commands._hints import graph_hint, operation_hint
from contracts.commands._input import read_input
from contracts.commands._workers import MIN_FILES, Counts, Output, check_in_workers, plan_jobs
from contracts.rules.agreement import listed_targets
from contracts.spec import OPERATIONS, Spec, load_spec
from contracts.terminal import keep_until_exit
from contracts.validate import TASK_OPERATIONS, collector_paused, has_errors, load_body, validate_response
from contracts.versions import known_ocp_version, ocp_version, profile
from contracts.violations import UsageError, Violation


def _obproxy_ids(text: str) -> list[int]:
    """``1,2`` → ``[1, 2]``; anything else is a usage error naming what was given."""
    try:
        ids = [int(item) for item in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers such as 1,2; got {text!r}"
        ) from None
    return ids


def _jobs(text: str) -> int:
    """``--jobs``: a positive number of processes."""
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"expected a number of processes, 1 or more; got {text!r}")
    return jobs


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE|DIR",
        help="saved response bodies, each checked on its own; a directory stands for every *.json "
        "file under it; - reads standard input",
    )
    parser.add_argument(
        "--operation",
        choices=sorted(OPERATIONS),
        default="upgrade",
        help="which operation answered (default: upgrade)",
    )
    parser.add_argument(
        "--http-status",
        type=int,
        metavar="N",
        help="the HTTP status it was answered with (default: the body's 'status')",
    )
    parser.add_argument(
        "--request-obproxy-ids",
        type=_obproxy_ids,
        metavar="1,2",
        help="the obproxy ids the request named: the task must target exactly these",
    )
    parser.add_argument(
        "--strict", action="store_true", help="undocumented properties are errors, not warnings"
    )
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    parser.add_argument(
        "--sequence",
        action="store_true",
        help="the FILEs are one sequence: an exchanges.har, or task bodies in the order polled (with "
        "--operation task); judged across polls and control calls too",
    )
    parser.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        metavar="N",
        help=f"check files in N processes (default: one per usable core from {MIN_FILES} files on, "
        "on Linux; 1: one process); the output is the same, in the order given",
    )
    parser.add_argument(
        "--ocp-version",
        type=ocp_version,
        metavar="3.1.1|4.0.0|4.0.3|4.2|latest",
        help="check against what this OCP version documents (default: latest)",
    )


def _summary(violations: list[Violation]) -> str:
    if not violations:
        return "conforms: 0 error(s), 0 warning(s)"
    errors = sum(1 for v in violations if v.is_error)
    warnings = len(violations) - errors
    verdict = "does not conform" if errors else "conforms"
    return f"{verdict}: {errors} error(s), {warnings} warning(s)"


def execute(args: argparse.Namespace) -> int:
    if args.sequence:
        from contracts.commands import _sequence

        return _sequence.execute(args)
    with collector_paused():  # one short-lived process: no cyclic garbage to collect, see contracts.validate
        return _execute(args)


def _known_version(version: str | None) -> None:
    """Refuse an OCP version the contract documents nothing of, in ``run``'s words."""
    if version is not None:
        known_ocp_version(version)


def _names(given: list[str]) -> Iterator[str]:
    """The files to check: each name as given, a directory as the ``*.json`` files under it."""
    for name in given:
        if name == "-" or not os.path.isdir(name):
            yield name
            continue
        found = 0
        for root, directories, files in os.walk(name):
            directories.sort()
            for file in sorted(files):
                if file.endswith(".json"):
                    found += 1
                    yield os.path.join(root, file)
        if not found:
            raise UsageError(f"{name} holds no *.json file; expected a directory of saved response bodies")


def _unchecked(args: argparse.Namespace, body: Any) -> list[str]:
    """What an option asked for and this body did not let ``validate`` check."""
    if args.request_obproxy_ids is None or args.operation not in TASK_OPERATIONS:
        return []
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or listed_targets(data) is not None:
        return []  # no task to compare (the schema and envelope rules say so), or it was compared
    return [
        "note: --request-obproxy-ids was not checked: the task lists no OBProxy ids "
        "at /data/context/listMap/obproxy_server_ids"
    ]


class _Checked(NamedTuple):
    """One file's result: its name as printed, its violations, hints for its reader (text output
    only) and notes on what was asked for and not checked (both formats)."""

    source: str
    violations: list[Violation]
    hints: list[str]
    notes: list[str]


def _check(args: argparse.Namespace, name: str, spec: Spec | None) -> _Checked:
    """Read, parse and validate one file."""
    source = "standard input" if name == "-" else name
    body = load_body(read_input(name, expected="a readable file or -"), source=source)
    keep_until_exit(body)  # a 100k-subtask body would take a fifth of its parse to free
    violations = validate_response(
        body,
        operation=args.operation,
        http_status=args.http_status,
        request_obproxy_ids=args.request_obproxy_ids,
        strict=args.strict,
        spec=spec,
    )
    hints = [operation_hint(body, violations, args.operation), graph_hint(violations, source)]
    return _Checked(source, violations, [hint for hint in hints if hint], _unchecked(args, body))


def _execute(args: argparse.Namespace) -> int:
    if args.files.count("-") > 1:
        raise UsageError("standard input (-) can be read only once")
    _known_version(args.ocp_version)
    spec = profile(args.ocp_version).spec() if args.ocp_version else None  # one copy for every file
    several = len(args.files) > 1 or any(name != "-" and os.path.isdir(name) for name in args.files)
    names = list(_names(args.files))
    reports: list[str] = []  # --format json: each file's object, already rendered
    output = Output(reports)
    jobs = 1 if "-" in names else plan_jobs(args.jobs, len(names))

    def check_share(share: Sequence[str], out: Output) -> Counts:
        return _check_share(args, share, spec, several, out)

    if jobs > 1:
        _compiled(spec or load_spec(), args)  # once, before the workers are forked

        def unchecked(share: Sequence[str], why: str, out: Output) -> Counts:
            return _not_checked(args, share, why, out)

        failed, unusable = check_in_workers(names, jobs, check_share, unchecked, output)
    else:
        failed, unusable = check_share(names, output)
    count = len(names)
    conform = count - failed - unusable
    write = sys.stdout.write
    if args.format == "json":
        if several:
            total = {"files": count, "conform": conform, "fail": failed, "unusable": unusable}
            head = json.dumps({"conforms": conform == count, "total": total}, indent=2, ensure_ascii=False)
            write(head[: -len("\n}")] + ',\n  "files": [\n' + ",\n".join(reports) + "\n  ]\n}\n")
        else:
            write(reports[0] + "\n")
    elif several:
        counts = f"{conform} conform, {failed} do not conform, {unusable} cannot be checked"
        write(f"total: {count} files, {counts}\n")
    if unusable:
        return 2
    return 1 if failed else 0


def _compiled(spec: Spec, args: argparse.Namespace) -> None:
    """Compile the validator most files need (a success's), so that forked workers share it."""
    name = spec.operation(args.operation).schema_name_for(args.http_status or 200)
    if name is not None:
        spec.validator(name, strict=args.strict)


def _unusable(args: argparse.Namespace, name: str, error: str, text: str, out: Output) -> None:
    """A file that was not checked: its ``error`` in the JSON report, else a line saying ``text``."""
    if args.format == "json":
        out.report(_rendered({"source": name, "conforms": False, "error": error}))
    else:
        out.stdout(f"{name}: cannot be checked ({text})\n")


def _not_checked(args: argparse.Namespace, names: Sequence[str], why: str, out: Output) -> Counts:
    """The files of a share whose worker failed: each one reported as not checked, with the reason."""
    out.stderr(f"ocp-contract validate: {why}\n")
    error = "not checked: the worker checking it failed (see standard error)"
    for name in names:
        _unusable(args, name, error, "its worker failed; see the error above", out)
    return Counts(0, len(names))


def _check_share(
    args: argparse.Namespace, names: Sequence[str], spec: Spec | None, several: bool, out: Output
) -> Counts:
    """Check ``names`` in order, each file's result written to ``out`` as soon as it is known."""
    failed = unusable = 0
    for name in names:
        try:
            checked = _check(args, name, spec)
        except UsageError as error:
            if not several:
                raise
            unusable += 1
            out.stderr(f"ocp-contract validate: {error}\n")
            _unusable(args, name, str(error), "see the error above", out)
            continue
        source, violations, hints, notes = checked
        conforms = not has_errors(violations)
        failed += not conforms
        if args.format == "json":
            report: dict[str, Any] = {
                "source": source,
                "conforms": conforms,
                "violations": [v.to_dict() for v in violations],
            }
            if notes:
                report["notes"] = notes
            out.report(_rendered(report) if several else json.dumps(report, indent=2, ensure_ascii=False))
        else:
            lines = [violation.render() for violation in violations]
            lines += [f"{source}: {_summary(violations)}", *hints, *notes]
            out.stdout("\n".join(lines) + "\n")
    return Counts(failed, unusable)


def _rendered(report: dict[str, Any]) -> str:
    """A file's object as ``json.dumps(..., indent=2)`` renders it inside the several-files
    document (two levels deep), so the document can be put together from the kept texts."""
    text = json.dumps(report, indent=2, ensure_ascii=False)
    return "\n".join("    " + line for line in text.split("\n"))
