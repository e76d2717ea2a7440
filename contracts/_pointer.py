"""RFC 6901 JSON pointers: the one place where escaping (``~0``, ``~1``) lives."""

from __future__ import annotations

from collections.abc import Iterable


def escape_token(token: str | int) -> str:
    """Escape one reference token: ``~`` becomes ``~0`` and ``/`` becomes ``~1``."""
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape_token(token: str) -> str:
    """Undo :func:`escape_token` (``~1`` first would be wrong: RFC 6901 §4)."""
    return token.replace("~1", "/").replace("~0", "~")


def join(*tokens: str | int) -> str:
    """Build a pointer from raw tokens: ``join("data", "subtasks", 3)`` is ``/data/subtasks/3``."""
    return "".join("/" + escape_token(token) for token in tokens)


def from_path(tokens: Iterable[str | int]) -> str:
    """Build a pointer from a sequence of raw tokens (as validators report instance paths)."""
    return join(*tokens)


def split(pointer: str) -> list[str]:
    """Split a pointer into raw tokens; ``""`` (the whole document) gives ``[]``."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"a JSON pointer starts with '/' or is empty; got {pointer!r}")
    return [unescape_token(token) for token in pointer[1:].split("/")]
