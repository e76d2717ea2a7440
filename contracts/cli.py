"""``ocp-contract``: a thin front end that parses options, calls the layers and maps results to exit codes.

Exit codes, for every sub-command: 0 conforms, 1 contract violations, 2 usage, configuration or
connection error (one line, never a traceback); ``run`` adds 3, incomplete (nothing violated, but
not everything asked for was verified). 130/143 after SIGINT/SIGTERM; 141 when the reader of
stdout has gone (:mod:`contracts.terminal`).

Each sub-command is listed here with its help and lives in a module exposing ``configure(parser)`` and
``execute(args) -> int``; this module only wires them together, and imports a sub-command's module
only when that sub-command is chosen, so ``--help`` and ``validate`` start in a fraction of the
time the whole tool (schemathesis, Jinja, NumPy) takes to import.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, NamedTuple

from contracts import terminal
from contracts.violations import SpecError, UsageError

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3

#: The installed distribution, whose version ``--version`` prints.
DISTRIBUTION = "ocp-obproxy-upgrade-contracts"


class Command(NamedTuple):
    """A sub-command as ``--help`` lists it, and how to import its module when it is chosen.

    ``ends_at_once``: run as a process of its own, it ends as soon as its output is flushed,
    without freeing what it built (:func:`contracts.terminal.end_process`): for a command that
    starts no thread or server and writes no file after it returns.
    """

    name: str
    help: str
    load: Callable[[], ModuleType]
    ends_at_once: bool = False


# One loader per sub-command: plain imports inside functions, so a command's dependencies
# (schemathesis, Jinja, openapi-spec-validator, NumPy) are imported only when it runs, and the
# import graph still shows every module the tool can load.


def _validate() -> ModuleType:
    from contracts.commands import validate

    return validate


def _check_spec() -> ModuleType:
    from contracts.commands import check_spec

    return check_spec


def _compare() -> ModuleType:
    from contracts.commands import compare

    return compare


def _graph() -> ModuleType:
    from contracts.commands import graph

    return graph


def _docs() -> ModuleType:
    from contracts.commands import docs

    return docs


def _mock() -> ModuleType:
    from contracts.mock import serve_command as command

    return command


def _run() -> ModuleType:
    from contracts.run import command

    return command


#: Sub-commands in the order ``--help`` lists them, with their help: the one place it is written,
#: so ``--help`` needs none of their modules.
COMMANDS: tuple[Command, ...] = (
    Command(
        "validate",
        "check saved response bodies against the contract "
        "(exit 0 all conform, 1 violations, 2 unusable input)",
        _validate,
        ends_at_once=True,
    ),
    Command(
        "check-spec",
        "check spec/openapi.yaml: valid OpenAPI 3.1, and every example passes its own operation's checks",
        _check_spec,
    ),
    Command(
        "compare",
        "compare two shapes saved by 'run --save-shape' "
        "(exit 0 nothing breaks, 1 breaking differences, 2 unusable files)",
        _compare,
    ),
    Command(
        "graph",
        "draw a saved task's subtask graph as SVG or Mermaid, with what validate flags highlighted",
        _graph,
    ),
    Command(
        "docs", "render the contract as a self-contained HTML reference (opens from disk, no network)", _docs
    ),
    Command(
        "mock",
        "serve a stateful mock OCP (Basic and AK/SK auth, task engine, named faults); loopback by default",
        _mock,
    ),
    Command(
        "run",
        "run the contract suite (schemathesis + the task workflow) against the embedded mock or a live OCP "
        "(exit 0 all verified, 1 violations, 2 usage/configuration/connection error, 3 incomplete)",
        _run,
    ),
)


def terminal_columns() -> int:
    """The terminal's width as :func:`shutil.get_terminal_size` finds it (``$COLUMNS``, then the
    terminal of stdout, else 80), without importing shutil and its compression modules."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Formatter(argparse.HelpFormatter):
    """argparse's help layout, given the width up front: argparse builds a formatter for every
    option it adds (to check its metavar), and one without a width imports shutil to find it."""

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
    ) -> None:
        width = terminal_columns() - 2 if width is None else width
        super().__init__(prog, indent_increment, max_help_position, width)


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line (its default is a usage dump)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def versions() -> list[str]:
    """What ``--version`` prints: the package, the contract it ships and the schemathesis it runs on."""
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    from contracts.spec import load_spec

    try:
        spec = str(load_spec().document.get("info", {}).get("version", "unknown"))
    except SpecError as error:
        spec = f"unreadable ({error})"
    return [
        f"ocp-contract {installed(DISTRIBUTION)}",
        f"contract {spec}",
        f"schemathesis {installed('schemathesis')}",
    ]


class _VersionAction(argparse.Action):
    """``--version``: print :func:`versions` and exit 0 (computed only when asked for)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help=kwargs.get("help"))

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> None:
        print("\n".join(versions()))
        parser.exit(EXIT_OK)


def chosen_command(argv: Sequence[str]) -> str | None:
    """The sub-command ``argv`` names: its first word that is not an option (the top level has
    only flags, so nothing else can come before it)."""
    return next((word for word in argv if not word.startswith("-")), None)


def build_parser(chosen: str | None = None, *, every: bool = True) -> argparse.ArgumentParser:
    """The command line. Only the ``chosen`` sub-command's module is imported and its options
    added (``every=True``, the default for tests and tooling, configures them all)."""
    parser = _Parser(
        prog="ocp-contract",
        description="Contract tests and spec validation for OCP's 'Upgrade an OBProxy' API. "
        "Exit codes: 0 conforms, 1 contract violations, 2 usage, configuration or connection error; "
        "run adds 3, incomplete (nothing violated, but not everything asked for was verified).",
    )
    parser.add_argument(
        "--version", action=_VersionAction, help="print the package, contract and schemathesis versions"
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for command in COMMANDS:
        subparser = sub.add_parser(command.name, help=command.help, description=command.help)
        if every or command.name == chosen:
            module = command.load()
            module.configure(subparser)
            subparser.set_defaults(_execute=module.execute)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; ``argv`` ``None`` means this process's own arguments, and then a
    command that ends at once (see :class:`Command`) ends the process here."""
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(chosen_command(words), every=False)
    if chosen_command(words) is None and not {"-h", "--help", "--version"} & set(words):
        print(parser.format_usage().rstrip(), file=sys.stderr)
        print(
            f"{parser.prog}: error: expected a command: {', '.join(c.name for c in COMMANDS)} "
            f"('{parser.prog} --help' says what each does)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    args = parser.parse_args(words)
    at_once = argv is None and any(c.name == args.command and c.ends_at_once for c in COMMANDS)
    if at_once:
        terminal.prepare_to_end_at_once()
    code = _main(args)
    if at_once:
        terminal.end_process(code)
    return code


def _main(args: argparse.Namespace) -> int:
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
