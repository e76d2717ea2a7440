"""Reading a command's input file (or standard input) with one-line errors."""

from __future__ import annotations

import sys

from contracts.violations import UsageError


def read_input(name: str, *, expected: str) -> bytes:
    """The bytes of ``name``, or of standard input for ``-``; unreadable → :class:`UsageError`."""
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        # unbuffered: the whole file is read at once, so a buffer (and the terminal check that
        # picks its kind) would only add work — a fifth of reading a small file
        with open(name, "rb", buffering=0) as file:
            return file.read()
    except OSError as error:
        raise UsageError(f"cannot read {name}: {error.strerror or error}; expected {expected}") from None
