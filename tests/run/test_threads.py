"""``ast.parse`` is serialised during a run (CPython 3.11's AST constructor is not thread-safe)."""

from __future__ import annotations

import ast
import threading

from contracts.run.threads import serialised_ast_parsing


def test_parsing_is_serialised_and_restored() -> None:
    original = ast.parse
    errors: list[BaseException] = []

    def parse_a_lot() -> None:
        try:
            for _ in range(200):
                ast.parse("f = lambda x: [y for y in x if y]")
        except BaseException as error:  # pragma: no cover - the bug this guards against
            errors.append(error)

    with serialised_ast_parsing():
        assert ast.parse is not original
        threads = [threading.Thread(target=parse_a_lot) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert ast.parse is original
    assert errors == []
