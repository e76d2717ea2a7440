"""``ocp-contract validate FILE|-``: check one saved response (the whole envelope, as the API returned it)."""

from __future__ import annotations

import argparse
import json

from contracts.commands._hints import graph_hint
from contracts.commands._input import read_input
from contracts.spec import OPERATIONS
from contracts.validate import collector_paused, has_errors, load_body, validate_response
from contracts.versions import ocp_version, profile
from contracts.violations import Violation

NAME = "validate"
HELP = "check a saved response body against the contract (exit 0 conforms, 1 violations, 2 unusable input)"


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
    parser.add_argument("file", metavar="FILE|-", help="the saved response body; - reads standard input")
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
    with collector_paused():  # one short-lived process: no cyclic garbage to collect, see contracts.validate
        return _execute(args)


def _execute(args: argparse.Namespace) -> int:
    source = "standard input" if args.file == "-" else args.file
    body = load_body(read_input(args.file, expected="a readable file or -"), source=source)
    violations = validate_response(
        body,
        operation=args.operation,
        http_status=args.http_status,
        request_obproxy_ids=args.request_obproxy_ids,
        strict=args.strict,
        spec=profile(args.ocp_version).spec() if args.ocp_version else None,
    )
    if args.format == "json":
        report = {
            "source": source,
            "conforms": not has_errors(violations),
            "violations": [v.to_dict() for v in violations],
        }
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        for violation in violations:
            print(violation.render())
        print(f"{source}: {_summary(violations)}")
        if hint := graph_hint(violations, source):
            print(hint)
    return 1 if has_errors(violations) else 0
