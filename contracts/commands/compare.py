"""``ocp-contract compare OLD NEW``: what changed between two observed shapes (say, before and
after an OCP upgrade), each difference marked breaking or not for a client written against OLD."""

from __future__ import annotations

import argparse

from contracts.shapes.compare import comparability, compare
from contracts.shapes.model import load_shape
from contracts.shapes.report import render_json, render_text


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", metavar="OLD", help="the shape clients were written against (your OCP now)")
    parser.add_argument("new", metavar="NEW", help="the shape to compare with it (the OCP you move to)")
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )


def execute(args: argparse.Namespace) -> int:
    old, new = load_shape(args.old), load_shape(args.new)
    differences = compare(old, new)
    render = render_json if args.format == "json" else render_text
    print(render(differences, old=args.old, new=args.new, alike=comparability(old, new)))
    return 1 if any(d.breaking for d in differences) else 0
