"""Every command in the README and the guide runs, as written, against the mock OCP.

A ```` ```sh ```` block is a list of commands (a trailing ``# exit N`` says the exit code it
should end with; 0 otherwise). Each runs in a scratch directory that sees the checkout's
``tests/``, ``spec/`` and ``.venv/`` (``make`` runs in the checkout), with ``.venv/bin`` first on
``PATH``. The documents' placeholders are made real, and nothing else is changed:

* every ``https://….example.com:8080`` is a mock OCP served over HTTP for the block (it advances
  tasks by time, so a followed upgrade ends in a few polls);
* ``127.0.0.1:8080`` and ``--port 8080`` are a free port (the machine's 8080 may be taken);
* the example user ``contract-bot`` (``contract-bot-ak`` for AK/SK) is the mock's demo user, and
  the credential variables the documents name hold the mock's demo secrets.

A block preceded by ``<!-- file: NAME -->`` (TOML) is written to ``NAME`` first, with the same
replacements. YAML blocks are checked as CI recipes are: valid, and naming only commands and
options that exist. Blocks that run whole suites are marked slow.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from contracts.mock import MockOCP, MockSettings, serve
from contracts.run.config_file import load
from tests.test_ci_recipes import _invocations, _options

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = (ROOT / "README.md", ROOT / "docs" / "guide.md")
EXAMPLE_URL = re.compile(r"https://[a-z0-9.-]+\.example\.com:8080")
DEMO_PASSWORD = "ocp-demo-admin"
DEMO_SECRET_KEY = "d75332c5eed8d440a84a35ac6248d397"
#: The variables the documents' config files name, and what they hold here.
DOCUMENTED_SECRETS = {
    "STAGING_OCP_PASSWORD": DEMO_PASSWORD,
    "PRODUCTION_OCP_SECRET_KEY": DEMO_SECRET_KEY,
}
#: Commands shown but not run here, each with its reason.
NOT_RUN = {"make test": "it runs this very suite"}
#: What the scratch directory links from the checkout.
LINKED = ("tests", "spec", ".venv")
COMMAND_TIMEOUT = 600.0


@dataclass(frozen=True)
class Block:
    """One fenced block of a document."""

    document: Path
    line: int
    language: str
    text: str
    file: str | None

    @property
    def id(self) -> str:
        return f"{self.document.name}:{self.line}"


@dataclass(frozen=True)
class Command:
    """One command of a ``sh`` block, with the exit code the document says it ends with."""

    text: str
    expected: int

    @property
    def background(self) -> bool:
        return self.text.endswith("&")

    @property
    def slow(self) -> bool:
        """A whole suite: ``make`` or a ``run`` of more than the quick workflow phase."""
        words = self.text.split()
        return words[:1] == ["make"] or ("run" in words[:2] and "--phases" not in words)


def blocks(document: Path) -> list[Block]:
    """Every fenced block of ``document`` in order, with the file it is to be written to."""
    found: list[Block] = []
    lines = document.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = re.fullmatch(r"```([a-z]*)", lines[index])
        if opening is None:
            index += 1
            continue
        end = lines.index("```", index + 1)
        marker = re.fullmatch(r"<!-- file: (\S+) -->", lines[index - 1]) if index else None
        text = "\n".join(lines[index + 1 : end]) + "\n"
        found.append(Block(document, index + 1, opening.group(1), text, marker.group(1) if marker else None))
        index = end + 1
    return found


def commands(block: Block) -> list[Command]:
    """The commands of a ``sh`` block: continuation lines joined, ``# exit N`` read."""
    joined = block.text.replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        text, _, comment = line.partition("  #")
        if not text.strip():
            continue
        exit_code = re.fullmatch(r"\s*exit (\d+)\s*", comment)
        found.append(Command(text.strip(), int(exit_code.group(1)) if exit_code else 0))
    return found


ALL_BLOCKS = [block for document in DOCUMENTS for block in blocks(document)]
SHELL_BLOCKS = [block for block in ALL_BLOCKS if block.language == "sh"]


def _params() -> Iterator[object]:
    for block in SHELL_BLOCKS:
        slow = any(command.slow for command in commands(block))
        yield pytest.param(block, id=block.id, marks=[pytest.mark.slow] if slow else [])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _made_real(text: str, *, mock_url: str, port: int) -> str:
    text = EXAMPLE_URL.sub(mock_url, text)
    text = text.replace("127.0.0.1:8080", f"127.0.0.1:{port}").replace("--port 8080", f"--port {port}")
    return text.replace("contract-bot-ak", "ocp-demo-ak").replace("contract-bot", "admin")


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCP_") and "proxy" not in k.lower()}
    env.update(DOCUMENTED_SECRETS)
    env.update(OCP_USERNAME="admin", OCP_PASSWORD=DEMO_PASSWORD, OCP_CONTRACT_CACHE="off")
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "the background command ended"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port}")


def test_the_documents_have_commands_and_each_is_run_or_says_why_not() -> None:
    shown = [command.text for block in SHELL_BLOCKS for command in commands(block)]
    assert len(shown) >= 20
    assert {"make contract", "make test"} <= set(shown), "the README's two set-up commands, verbatim"
    skipped = [text for text in shown if any(text.startswith(prefix) for prefix in NOT_RUN)]
    assert skipped == ["make test"]


@pytest.mark.parametrize("block", list(_params()))
def test_every_shell_command_of_the_documents_runs(block: Block, tmp_path: Path) -> None:
    port = _free_port()
    with serve(MockOCP(settings=MockSettings(tick=0.05)), port=0) as mock:
        for link in LINKED:
            (tmp_path / link).symlink_to(ROOT / link)
        for other in ALL_BLOCKS:
            if other.document == block.document and other.file is not None:
                (tmp_path / other.file).write_text(
                    _made_real(other.text, mock_url=mock.url, port=port), encoding="utf-8"
                )
        env = _environment()
        background: list[subprocess.Popen[bytes]] = []
        try:
            for command in commands(block):
                if any(command.text.startswith(prefix) for prefix in NOT_RUN):
                    continue
                text = _made_real(command.text, mock_url=mock.url, port=port)
                cwd = ROOT if text.startswith("make ") else tmp_path
                if command.background:
                    process = subprocess.Popen(
                        text.rstrip("&"),
                        shell=True,
                        cwd=cwd,
                        env=env,
                        start_new_session=True,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                    background.append(process)
                    _wait_for(port, process)
                    continue
                done = subprocess.run(
                    text,
                    shell=True,
                    cwd=cwd,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=COMMAND_TIMEOUT,
                )
                assert done.returncode == command.expected, (
                    f"{block.id}: {text!r} exited {done.returncode}, the document says {command.expected}\n"
                    f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
                )
                assert "Traceback" not in done.stderr
        finally:
            for process in background:
                os.killpg(process.pid, 15)
                process.wait(timeout=10)


def test_the_toml_blocks_are_config_files_of_real_options() -> None:
    from contracts.cli import build_parser

    parser = build_parser("run", every=False)
    run = next(a for a in parser._actions if hasattr(a, "choices") and a.choices and "run" in a.choices)
    known = {option[2:] for action in run.choices["run"]._actions for option in action.option_strings}
    tomls = [block for block in ALL_BLOCKS if block.language == "toml"]
    assert len(tomls) == 2 and all(block.file == "ocp-contract.toml" for block in tomls)
    for block in tomls:
        assert _load_text(block.text, known), block.id


def _load_text(text: str, known: set[str]) -> list[object]:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ocp-contract.toml"
        path.write_text(text, encoding="utf-8")
        return list(load(path, known=known, env=DOCUMENTED_SECRETS))


def test_the_ci_matrix_examples_name_only_commands_and_options_that_exist() -> None:
    from contracts.cli import build_parser

    parser = build_parser()
    run_help = next(a for a in parser._actions if hasattr(a, "choices") and a.choices and "run" in a.choices)
    known = _options(run_help.choices["run"].format_help())
    recipes = [yaml.safe_load(block.text) for block in ALL_BLOCKS if block.language == "yaml"]
    matrices = [recipe for recipe in recipes if "strategy" in str(recipe) or "parallel" in str(recipe)]
    assert len(matrices) == 2, "a GitHub Actions and a GitLab matrix"
    for recipe in matrices:
        calls = _invocations(recipe)
        assert calls and all(words[0] == "run" for words in calls)
        for words in calls:
            assert "--target" in words and "--config" in words
            assert {word for word in words[1:] if word.startswith("--")} <= known


def test_the_placeholders_are_the_only_changes() -> None:
    text = "run --base-url https://ocp-old.example.com:8080 --port 8080 contract-bot contract-bot-ak"
    made = _made_real(text, mock_url="http://127.0.0.1:1", port=2)
    assert made == "run --base-url http://127.0.0.1:1 --port 2 admin ocp-demo-ak"
    assert shlex.split(made)[0] == "run"
