"""``ocp-contract docs --out DIR``: write the HTML reference of the contract (``DIR/index.html``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from contracts.docs.render import write_reference
from contracts.spec import load_spec


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", metavar="DIR", default="docs-build", help="output folder (default: docs-build)"
    )


def execute(args: argparse.Namespace) -> int:
    page = write_reference(load_spec(), Path(args.out))
    print(f"wrote {page}")
    return 0
