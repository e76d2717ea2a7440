"""``ocp-contract``: a thin front end that parses options, calls the layers and maps results to exit codes.

Exit codes, for every sub-command: 0 conforms, 1 contract violations, 2 usage, configuration or
connection error (one line, never a traceback); ``run`` adds 3, incomplete (nothing violated, but
not everything asked for was verified). 130/143 after SIGINT/SIGTERM; 141 when the reader of
stdout has gone (:mod:`contracts.terminal`).

Each sub-command lives in its own module exposing ``NAME``, ``HELP``, ``configure(parser)`` and
``execute(args) -> int``; this module only wires them together.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from contracts import terminal
from contracts.violations import SpecError, UsageError

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3

#: Sub-command modules, in the order ``--help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "contracts.commands.validate",
    "contracts.commands.check_spec",
    "contracts.commands.compare",
    "contracts.commands.graph",
    "contracts.commands.docs",
    "contracts.mock.command",
    "contracts.run.command",
)


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line (its default is a usage dump)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _load(name: str) -> ModuleType:
    return importlib.import_module(name)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ocp-contract",
        description="Contract tests and spec validation for OCP's 'Upgrade an OBProxy' API. "
        "Exit codes: 0 conforms, 1 contract violations, 2 usage, configuration or connection error.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module_name in COMMAND_MODULES:
        module = _load(module_name)
        command = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.configure(command)
        command.set_defaults(_execute=module.execute)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return terminal.guarded(lambda: int(args._execute(args)))
    except (UsageError, SpecError) as error:
        print(f"ocp-contract {args.command}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as interrupt:
        name = terminal.signal_name(interrupt)
        print(f"ocp-contract {args.command}: interrupted ({name})", file=sys.stderr)
        return terminal.exit_code(interrupt)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
