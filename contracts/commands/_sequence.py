"""``ocp-contract validate --sequence``: a saved sequence judged across polls.

The FILEs are one ``exchanges.har`` (as ``run --report-dir`` writes it: every exchange of the
run, control calls included), or task bodies polled in order (with ``--operation task``; the
control calls between them are unknown, so re-openings are judged by the operations the bodies
show). Each exchange is judged as ``validate`` judges one body, consecutive polls of a task by the
transition rules, and the whole by the lifecycle and server rules; what could not be judged is
listed. Exit 0 when the sequence conforms, 1 on an error-level violation, 2 when a file cannot be
read as asked.
"""

from __future__ import annotations

import argparse
import json

import orjson

from contracts.commands._input import read_input
from contracts.sequence import SequenceResult, check_sequence, exchanges_from_har, task_polls
from contracts.validate import load_body
from contracts.versions import profile
from contracts.violations import UsageError


def execute(args: argparse.Namespace) -> int:
    """Read the sequence the FILEs hold, judge it, print the findings; the exit code."""
    if args.files.count("-") > 1:
        raise UsageError("standard input (-) can be read only once")
    raws = [(name, read_input(name, expected="a readable file or -")) for name in args.files]
    if len(raws) == 1 and _is_har(raws[0][1]):
        name, raw = raws[0]
        source = "standard input" if name == "-" else name
        exchanges, complete = exchanges_from_har(raw, source=source), True
    elif args.operation == "task":
        for name, raw in raws:
            load_body(raw, source="standard input" if name == "-" else name)
        source = f"{len(raws)} task bodies"
        exchanges, complete = task_polls([raw for _, raw in raws], http_status=args.http_status), False
    else:
        raise UsageError(
            "--sequence reads one HAR file (exchanges.har), or task bodies in the order they were polled "
            "with --operation task"
        )
    spec = profile(args.ocp_version).spec() if args.ocp_version else None
    result = check_sequence(exchanges, strict=args.strict, complete=complete, spec=spec)
    if args.format == "json":
        print(json.dumps(_document(source, result), indent=2, ensure_ascii=False))
    else:
        _print(source, result)
    return 0 if result.conforms else 1


def _is_har(raw: bytes) -> bool:
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return False
    return isinstance(document, dict) and isinstance(document.get("log"), dict)


def _document(source: str, result: SequenceResult) -> dict[str, object]:
    return {
        "source": source,
        "conforms": result.conforms,
        "exchanges": len(result.exchanges),
        "violations": [
            {"exchange": index + 1, "request": result.exchanges[index], **violation.to_dict()}
            for index, violation in result.violations
        ],
        "not_judged": list(result.not_judged),
    }


def _print(source: str, result: SequenceResult) -> None:
    shown = None
    for index, violation in result.violations:
        if index != shown:
            print(f"exchange {index + 1} ({result.exchanges[index]}):")
            shown = index
        print(violation.render())
    for note in result.not_judged:
        print(f"not judged: {note}")
    errors = sum(1 for _, violation in result.violations if violation.is_error)
    warnings = len(result.violations) - errors
    verdict = "conforms" if result.conforms else "does not conform"
    count = len(result.exchanges)
    print(f"{source}: a sequence of {count} exchange(s) {verdict}: {errors} error(s), {warnings} warning(s)")
