"""``run --config FILE``: run options and named targets from a TOML file or ``pyproject.toml``.

The file holds what a team would otherwise repeat on every command line — the options shared by
every run, and the OCPs it checks (staging, pre-upgrade, production read-only)::

    [run]                                  # options for every target
    max-examples = 5
    rate-limit = "5/s"
    report-dir = "reports"                 # each target reports in reports/<name>/

    [targets.staging]
    base-url = "https://ocp-staging.example.com:8080"
    ocp-version = "4.2"
    username = "contract-bot"
    password-env = "STAGING_OCP_PASSWORD"  # secrets: only the name of an environment variable

In ``pyproject.toml`` the same tables sit under ``[tool.ocp-contract]``. Keys are the options of
``ocp-contract run`` without their dashes (``max-examples``), with TOML's types: ``true`` for a
flag, a list for a repeatable option (``task-id = [33150]``) or for ids (``obproxy-ids = [7, 8]``).
``KEY-env = "NAME"`` takes an option's value from the environment variable ``NAME`` — the only
way a password or a secret key may be given, so no secret is ever written in the file. A target
without ``base-url`` is the embedded mock.

This module only reads: :func:`load` turns the file into one :class:`TargetOptions` per target,
each an argument list the run's own parser then reads, so an option's type, default and check
are those of the command line, once.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contracts.violations import UsageError

#: Options whose value is a secret: the file may only name the environment variable holding it.
SECRET_OPTIONS = ("password", "secret-key")
#: Options a config file does not set: they choose the file and its targets.
NOT_IN_FILE = ("config", "target")
_ENV_SUFFIX = "-env"
_PYPROJECT_TABLE = ("tool", "ocp-contract")


@dataclass(frozen=True)
class TargetOptions:
    """One target of a config file: its name and its options as command-line words."""

    name: str
    argv: tuple[str, ...]


def _read(path: Path) -> dict[str, Any]:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"--config: cannot read {str(path)!r}: {error.strerror or error}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise UsageError(f"--config: {path}: not valid TOML: {error}") from None
    if path.name == "pyproject.toml":
        table: Any = document
        for key in _PYPROJECT_TABLE:
            table = table.get(key) if isinstance(table, dict) else None
        if not isinstance(table, dict):
            raise UsageError(f"--config: {path}: expected a [tool.ocp-contract] table, found none")
        return table
    return document


def _words(table: Mapping[str, Any], where: str, *, known: set[str], env: Mapping[str, str]) -> list[str]:
    """The command-line words of one table of options."""
    words: list[str] = []
    for key, value in table.items():
        option = key[: -len(_ENV_SUFFIX)] if key.endswith(_ENV_SUFFIX) else key
        place = f"{where}.{key}"
        if option not in known or option in NOT_IN_FILE:
            raise UsageError(f"--config: {place}: not an option of 'ocp-contract run'")
        if key.endswith(_ENV_SUFFIX):
            if not isinstance(value, str) or not value:
                raise UsageError(f"--config: {place}: expected the name of an environment variable")
            if not env.get(value):
                raise UsageError(f"--config: {place}: the environment variable {value} is not set")
            value = env[value]
        elif option in SECRET_OPTIONS:
            raise UsageError(
                f"--config: {place}: a secret is never written in the file; name the environment "
                f'variable that holds it: {option}{_ENV_SUFFIX} = "NAME"'
            )
        words += _option_words(option, value, place)
    return words


def _option_words(option: str, value: Any, place: str) -> list[str]:
    flag = f"--{option}"
    if isinstance(value, bool):
        return [flag] if value else []
    if isinstance(value, list):
        if option in ("obproxy-ids", "phases"):
            return [flag, ",".join(str(item) for item in value)]
        return [word for item in value for word in (flag, _scalar(item, place))]
    return [flag, _scalar(value, place)]


def _scalar(value: Any, place: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise UsageError(f"--config: {place}: expected a string or a number, got {value!r}")
    return str(value)


def load(
    path: Path, *, known: Iterable[str], env: Mapping[str, str], chosen: Iterable[str] = ()
) -> list[TargetOptions]:
    """The targets of ``path`` (those named in ``chosen``, or all), in the file's order.

    ``known`` are the option names of ``ocp-contract run`` (without dashes); a mistake is one
    :class:`UsageError` naming the file and the place (``targets.staging.max-examples``).
    """
    known_set = set(known)
    document = _read(path)
    unknown = sorted(set(document) - {"run", "targets"})
    if unknown:
        raise UsageError(f"--config: {path}: unknown table {unknown[0]!r}; expected [run] and [targets.NAME]")
    shared = document.get("run", {})
    targets = document.get("targets", {})
    if not isinstance(shared, dict) or not isinstance(targets, dict) or not targets:
        raise UsageError(f"--config: {path}: expected a [run] table and at least one [targets.NAME] table")
    names = list(dict.fromkeys(chosen)) or list(targets)
    missing = [name for name in names if name not in targets]
    if missing:
        raise UsageError(
            f"--target: {missing[0]!r} is not a target of {path}; expected one of {', '.join(targets)}"
        )
    common = _words(shared, "run", known=known_set, env=env)
    loaded = []
    for name in names:
        table = targets[name]
        if not isinstance(table, dict):
            raise UsageError(f"--config: {path}: targets.{name}: expected a table of options")
        own = _words(table, f"targets.{name}", known=known_set, env=env)
        loaded.append(TargetOptions(name, (*common, *own)))
    return loaded
