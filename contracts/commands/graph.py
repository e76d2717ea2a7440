"""``ocp-contract graph FILE``: draw a saved task's subtask graph, the flagged parts highlighted.

FILE is a saved task response (the envelope, as ``validate`` takes it) or a bare task object.
The picture is SVG (default) or Mermaid text; subtasks and edges that the validators flag are
outlined in magenta, findings about the task as a whole are listed under the picture.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from contracts.commands._input import read_input
from contracts.docs.flags import flags_for
from contracts.docs.mermaid import render_mermaid
from contracts.docs.statuses import subtask_statuses
from contracts.docs.svg import render_svg
from contracts.docs.taskgraph import has_graph, task_graph
from contracts.rules.dag import check_dag
from contracts.rules.state import check_state
from contracts.spec import load_spec
from contracts.validate import has_errors, load_body, validate_response
from contracts.violations import UsageError, Violation

_MERMAID_SUFFIXES = (".mmd", ".mermaid")
#: picture formats the command does not draw: a file of that name would not hold what it says
_RASTER_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".pdf")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE|-", help="a saved task response or task object; - reads stdin")
    parser.add_argument("--out", metavar="FILE", help="write the picture here (default: standard output)")
    parser.add_argument(
        "--format",
        choices=("svg", "mermaid"),
        help="picture format (default: mermaid for --out *.mmd, else svg)",
    )
    parser.add_argument(
        "--operation",
        choices=("upgrade", "task"),
        default="upgrade",
        help="which operation answered (default: upgrade)",
    )


def _task_and_findings(body: Any, operation: str, source: str) -> tuple[Any, list[Violation], str]:
    """The task to draw, the violations to highlight, and the pointer prefix they carry."""
    data = body.get("data") if isinstance(body, Mapping) else None
    if isinstance(data, Mapping) and "subtasks" in data:
        status = None if isinstance(body.get("status"), int) else 200
        return data, validate_response(body, operation=operation, http_status=status), "/data"
    if isinstance(body, Mapping) and "subtasks" in body:
        return body, [*check_dag(body), *check_state(body)], ""
    raise UsageError(f"{source} holds no task; expected a task response with data.subtasks, or a task object")


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    return "mermaid" if args.out and args.out.endswith(_MERMAID_SUFFIXES) else "svg"


def _refuse_other_formats(out: str | None) -> None:
    """A ``--out`` name promising a format the command does not write is refused before any work."""
    suffix = Path(out).suffix.lower() if out else ""
    if suffix in _RASTER_SUFFIXES:
        kind, svg = suffix[1:].upper(), Path(out or "").with_suffix(".svg")
        raise UsageError(
            f"cannot write {out}: graph draws SVG or Mermaid, not {kind}; "
            f"use --out {svg} (any browser opens it) and convert it if you need {kind}"
        )


def execute(args: argparse.Namespace) -> int:
    _refuse_other_formats(args.out)
    source = "standard input" if args.file == "-" else args.file
    body = load_body(read_input(args.file, expected="a saved task response"), source=source)
    task, violations, prefix = _task_and_findings(body, args.operation, source)
    if task.get("subtasks") and not has_graph(task):  # no subtasks: an empty picture, validate's verdict
        raise UsageError(
            f"{source}: the subtasks carry no upstreams/downstreams (a task-list item?); "
            "save the task from getTaskInstance to draw it"
        )
    graph = task_graph(task)
    flags = flags_for(task, violations, prefix=prefix)
    if _format(args) == "mermaid":
        picture = render_mermaid(graph, flags)
    else:
        statuses = subtask_statuses(load_spec())
        picture = render_svg(graph, flags, uid="task", standalone=True, statuses=statuses)
    _write(picture, args.out)
    drawn = f"{len(graph.nodes)} subtasks, {len(graph.edges)} edges"
    flagged = f"{len(flags.nodes)} subtask(s), {len(flags.edges)} edge(s), {len(flags.task)} other finding(s)"
    print(f"{args.out or 'standard output'}: {drawn}; flagged {flagged}", file=sys.stderr)
    return 1 if has_errors(violations) else 0


def _write(picture: str, out: str | None) -> None:
    if not out:
        sys.stdout.write(picture)
        return
    try:
        Path(out).write_text(picture, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write {out}: {error.strerror or error}; expected a writable path") from None
