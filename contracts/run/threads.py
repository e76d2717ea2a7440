"""Making ``--workers N`` safe on the CPython this project runs on.

CPython 3.11 raises ``SystemError: AST constructor recursion depth mismatch`` when two threads
build an AST at the same time (python/cpython#106905). Hypothesis calls ``ast.parse`` to describe
the lambdas of a strategy, and schemathesis builds strategies in its worker threads, so a run
with several workers fails now and then. :func:`serialised_ast_parsing` puts a lock around
``ast.parse`` for the duration of a run; parsing is rare and short, so the lock costs nothing
measurable.
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_LOCK = threading.RLock()


@contextmanager
def serialised_ast_parsing() -> Iterator[None]:
    """Let one thread at a time run ``ast.parse`` until the block ends."""
    original = ast.parse

    def parse(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return original(*args, **kwargs)

    ast.parse = parse
    try:
        yield
    finally:
        ast.parse = original
