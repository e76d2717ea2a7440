"""``ocp-contract mock``: serve the mock OCP over HTTP until interrupted (loopback unless ``--host``).

Prints the base URL, the demo credentials and the inventory at start-up, one line per request
while serving, and stops cleanly on SIGINT or SIGTERM (exit 0). ``--list-faults`` prints the
faults, one line each, and exits.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from contracts import terminal
from contracts.mock.app import MockOCP
from contracts.mock.faults import FAULTS
from contracts.mock.http import MockServer, is_loopback, serve_until_signal
from contracts.mock.inventory import default_inventory, load_inventory
from contracts.mock.settings import MockSettings
from contracts.ocp import UPGRADE_OPERATION_ID
from contracts.spec import load_spec
from contracts.versions import known_ocp_version, ocp_version, profile
from contracts.violations import UsageError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1); another, such as 0.0.0.0 for a neighbouring "
        "container, is served with a warning: the mock has no TLS",
    )
    parser.add_argument("--port", type=int, default=8080, help="port; 0 picks a free one (default 8080)")
    parser.add_argument(
        "--inventory",
        type=Path,
        metavar="FILE",
        help="YAML or JSON file with clusters, servers, packages and users (default: built-in)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help="switch on a named fault (repeatable); see --list-faults",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed for subtask order and trace ids (default 0)"
    )
    parser.add_argument(
        "--tick",
        type=float,
        metavar="SECONDS",
        help="advance running tasks one step per SECONDS (default: one step per GET of the task)",
    )
    parser.add_argument(
        "--rate-limit", type=int, metavar="N", help="allow N requests per user per --rate-window"
    )
    parser.add_argument(
        "--rate-window",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="rate-limit window in seconds (default 60)",
    )
    parser.add_argument(
        "--max-finished",
        type=int,
        default=1000,
        metavar="N",
        help="keep at most N finished tasks; older ones are evicted (default 1000)",
    )
    parser.add_argument(
        "--ocp-version",
        type=ocp_version,
        metavar="3.1.1|4.0.0|4.0.3|4.2|latest",
        help="behave as this OCP version where the docs differ: before 4.0.3 the upgrade takes no body "
        "and one without a body installs the newest package (default: latest)",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log one line per request")
    parser.add_argument("--list-faults", action="store_true", help="list the named faults and exit")


def _list_faults() -> int:
    print(
        f"{len(FAULTS)} faults (each breaks one clause; the rule or check expected to catch it in brackets):"
    )
    for fault in FAULTS.values():
        print("  " + fault.line())
    return 0


def _mode(tick: float | None) -> str:
    return "one step per GET of the task" if tick is None else f"one step every {tick:g} s"


def _body(upgrade_body: bool) -> str:
    if upgrade_body:
        return "the upgrade takes a body naming the package"
    return "the upgrade takes no body; one without installs the newest package"


def _limit(limit: int | None, window: float) -> str:
    return f"{limit} requests per {window:g} s per user" if limit else "off"


def execute(args: argparse.Namespace) -> int:
    if args.list_faults:
        return _list_faults()
    if not 0 <= args.port <= 65535:
        raise UsageError(f"expected --port from 0 to 65535, got {args.port}")
    inventory = load_inventory(args.inventory) if args.inventory else default_inventory()
    version = known_ocp_version(args.ocp_version or "latest")
    upgrade_body = profile(version).has_request_body(UPGRADE_OPERATION_ID, load_spec().document)
    settings = MockSettings(
        seed=args.seed,
        tick=args.tick,
        faults=tuple(args.fault),
        rate_limit=args.rate_limit,
        rate_window=args.rate_window,
        max_finished=args.max_finished,
        upgrade_body=upgrade_body,
    )
    mock = MockOCP(inventory, settings=settings)
    log = None if args.quiet else terminal.Lines(sys.stdout)  # a closed stdout stops the mock
    terminal.stop_when_stdout_closes()
    server = MockServer(mock, host=args.host, port=args.port, log=log)
    if not is_loopback(args.host):
        print(
            f"warning: serving on {args.host}, beyond this machine, without TLS: credentials and "
            "answers cross the network in clear text; use it only on a private network (a CI job's)",
            file=sys.stderr,
            flush=True,
        )
    lines = [
        f"mock OCP listening on {server.url}",
        f"  base URL for your scripts: {server.url}  (paths start with /api/v2)",
        "  demo credentials (the mock's own; never use real ones here):",
        *(f"    {line}" for line in inventory.describe() if line.startswith("user ")),
        "  inventory:",
        *(f"    {line}" for line in inventory.describe() if not line.startswith("user ")),
        f"  finished tasks at start-up: {', '.join(map(str, mock.seeded_task_ids)) or 'none'}",
        f"  progression: {_mode(args.tick)}; seed {args.seed}",
        f"  faults: {', '.join(mock.faults.names) or 'none (a faithful OCP)'}",
        f"  rate limit: {_limit(args.rate_limit, args.rate_window)}",
        f"  OCP version: {version} ({_body(upgrade_body)})",
        "  stop with Ctrl-C or SIGTERM",
    ]
    serve_until_signal(server, banner="\n".join(lines), out=sys.stdout)
    return 0
