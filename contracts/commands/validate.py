"""``ocp-contract validate FILE…``: check saved responses (each the whole envelope, as the API returned it).

Text output: each file's findings, then one verdict line per file, then — for several files — a
total. ``--format json`` prints one JSON document: for one file ``{"source", "conforms",
"violations"}``; for several ``{"conforms", "total", "files": [those objects]}``, where a file
that cannot be checked has ``"error"`` instead of ``"violations"``. Exit 0 when every file
conforms, 1 when any has an error-level violation, 2 when any cannot be checked (the others
are still checked and reported).
"""

from __future__ import annotations

import argparse
import json
import sys

from contracts.commands._hints import graph_hint, operation_hint
from contracts.commands._input import read_input
from contracts.spec import OPERATIONS, Spec
from contracts.validate import collector_paused, has_errors, load_body, validate_response
from contracts.versions import ocp_version, profile
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


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="saved response bodies, each checked on its own; - reads standard input",
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
        "--ocp-version",
        type=ocp_version,
        metavar="3.1.1|4.0.0|4.0.3|4.2|latest",
        help="check against what this OCP version documents (default: latest)",
    )


def _summary(violations: list[Violation]) -> str:
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


def _check(args: argparse.Namespace, name: str, spec: Spec | None) -> tuple[str, list[Violation], list[str]]:
    """The file's name as printed, its violations, and the hints that would help its reader."""
    source = "standard input" if name == "-" else name
    body = load_body(read_input(name, expected="a readable file or -"), source=source)
    violations = validate_response(
        body,
        operation=args.operation,
        http_status=args.http_status,
        request_obproxy_ids=args.request_obproxy_ids,
        strict=args.strict,
        spec=spec,
    )
    hints = [operation_hint(body, violations, args.operation), graph_hint(violations, source)]
    return source, violations, [hint for hint in hints if hint]


def _execute(args: argparse.Namespace) -> int:
    if args.files.count("-") > 1:
        raise UsageError("standard input (-) can be read only once")
    spec = profile(args.ocp_version).spec() if args.ocp_version else None  # one copy for every file
    reports: list[dict[str, object]] = []
    failed = unusable = 0
    for name in args.files:
        try:
            source, violations, hints = _check(args, name, spec)
        except UsageError as error:
            if len(args.files) == 1:
                raise
            unusable += 1
            print(f"ocp-contract validate: {error}", file=sys.stderr)
            reports.append({"source": name, "conforms": False, "error": str(error)})
            if args.format == "text":
                print(f"{name}: cannot be checked (see the error above)")
            continue
        failed += has_errors(violations)
        reports.append(
            {
                "source": source,
                "conforms": not has_errors(violations),
                "violations": [v.to_dict() for v in violations],
            }
        )
        if args.format == "text":
            for violation in violations:
                print(violation.render())
            print(f"{source}: {_summary(violations)}")
            for hint in hints:
                print(hint)
    count = len(args.files)
    conform = count - failed - unusable
    if args.format == "json":
        document: object = (
            reports[0]
            if count == 1
            else {
                "conforms": conform == count,
                "total": {"files": count, "conform": conform, "fail": failed, "unusable": unusable},
                "files": reports,
            }
        )
        print(json.dumps(document, indent=2, ensure_ascii=False))
    elif count > 1:
        print(
            f"total: {count} files, {conform} conform, {failed} do not conform, {unusable} cannot be checked"
        )
    if unusable:
        return 2
    return 1 if failed else 0
