"""OCP's vocabulary (:mod:`contracts.ocp`): equal to the spec, the only place it is spelled, and
total where it parses."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import ocp
from contracts.spec import OPERATIONS, load_spec

PACKAGE = Path(ocp.__file__).resolve().parent

#: Every word of the vocabulary; a string constant equal to one of these is a second spelling.
WORDS = frozenset(
    {*ocp.TASK_STATUSES, *ocp.SUBTASK_STATUSES, *ocp.SUBTASK_OPERATIONS, *ocp.TASK_TYPES}
) | frozenset(op for _, _, op in ocp.ROUTES.values())


def _enum(name: str) -> list[str]:
    return list(load_spec().document["components"]["schemas"][name]["enum"])


@pytest.mark.parametrize(
    ("schema", "words"),
    [
        ("TaskStatus", ocp.TASK_STATUSES),
        ("SubtaskStatus", ocp.SUBTASK_STATUSES),
        ("TaskOperation", ocp.TASK_OPERATIONS),
        ("SubtaskOperation", ocp.SUBTASK_OPERATIONS),
        ("TaskType", ocp.TASK_TYPES),
    ],
)
def test_the_vocabulary_is_the_specs(schema: str, words: tuple[str, ...]) -> None:
    assert list(words) == _enum(schema)


def test_the_terminal_sets_are_statuses_of_their_kind() -> None:
    assert set(ocp.TASK_STATUSES) >= ocp.TERMINAL_TASK
    assert set(ocp.SUBTASK_STATUSES) >= ocp.TERMINAL_SUBTASK
    assert set(ocp.SUBTASK_OPERATIONS) >= ocp.UNDOING


def test_the_routes_are_the_specs_paths_and_operation_ids() -> None:
    paths = load_spec().document["paths"]
    routes = ocp.ROUTES | ocp.LIFECYCLE_ROUTES
    for short, (method, path, operation_id) in routes.items():
        assert paths[path][method.lower()]["operationId"] == operation_id
        assert OPERATIONS[short] == operation_id
    assert ocp.CLUSTER_PATH in paths  # the cluster read is inside the contract: servers' versions
    spec_operations = {op["operationId"] for item in paths.values() for op in item.values()}
    assert spec_operations == set(OPERATIONS.values()) == {op for _, _, op in routes.values()}
    assert all(path.startswith(ocp.API_PREFIX) for path in paths)


def test_the_control_calls_are_the_destructive_operations_of_the_spec() -> None:
    """Every control call (a POST of the failure path) is marked destructive in the spec, as the
    upgrade is; the reads are not."""
    paths = load_spec().document["paths"]
    destructive = {
        op["operationId"] for item in paths.values() for op in item.values() if op.get("x-ocp-destructive")
    }
    assert destructive == ocp.CONTROL_OPERATION_IDS | {ocp.UPGRADE_OPERATION_ID}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5, 5),
        ("5", 5),
        ("-5", -5),
        ("9223372036854775807", 2**63 - 1),
        (-(2**63), -(2**63)),
        ("--5", None),
        ("-", None),
        ("5-", None),
        ("", None),
        (" 5", None),
        ("١٢", None),
        ("0x1", None),
        ("9223372036854775808", None),
        (2**63, None),
        ("9" * 5000, None),
        (True, None),
        (1.5, None),
        (None, None),
        ([5], None),
    ],
)
def test_ids_parse_to_a_long_or_a_value_error(value: object, expected: int | None) -> None:
    assert ocp.id_or_none(value) == expected
    if expected is None:
        with pytest.raises(ValueError, match="not an OCP id"):
            ocp.parse_id(value)


@given(st.one_of(st.text(max_size=30), st.integers(), st.floats(), st.booleans(), st.none()))
def test_parsing_an_id_is_total(value: object) -> None:
    """Whatever a server sends, the answer is an int or a ValueError, never another exception."""
    try:
        parsed = ocp.parse_id(value)
    except ValueError:
        return
    assert isinstance(parsed, int) and ocp.LONG_MIN <= parsed <= ocp.LONG_MAX


@pytest.mark.parametrize(
    "name",
    [
        "X-Auth-Token", "X-Api-Key", "Cookie", "Set-Cookie", "secretKey", "accessKey", "password",
        "db_password", "mypassword", "signature", "Proxy-Authorization", "session_id", "apikey",
        "privatekey", "X-Pwd", "sig",
    ],
)  # fmt: skip
def test_secret_names(name: str) -> None:
    assert ocp.is_secret_name(name)


@pytest.mark.parametrize("name", ["page", "size", "status", "obproxyIds", "Content-Type", "sort", "name"])
def test_names_that_are_no_secret(name: str) -> None:
    assert not ocp.is_secret_name(name)


# --- the vocabulary is spelled once ------------------------------------------------------------


def _docstrings(tree: ast.AST) -> set[int]:
    """``id`` of each docstring node (module, class, function): prose, which may name a status."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _second_spellings(path: Path, root: Path = PACKAGE.parent) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    prose = _docstrings(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str) or id(node) in prose:
            continue
        if node.value in WORDS or node.value.startswith(ocp.API_PREFIX):
            yield f"{path.relative_to(root)}:{node.lineno}: {node.value!r}"


def test_no_status_operation_or_route_is_spelled_outside_the_vocabulary() -> None:
    """Every string constant of the package that *equals* a status, an operation, a task type or
    an operationId, or starts with the API prefix, is in :mod:`contracts.ocp`. Allowed elsewhere:
    docstrings and comments (prose), and longer strings that merely contain a word (messages such
    as ``"a FAILED task"``); the spec is data, not source."""
    sources = [path for path in sorted(PACKAGE.rglob("*.py")) if path.name != "ocp.py"]
    assert len(sources) > 50
    assert [hit for path in sources for hit in _second_spellings(path)] == []


def test_the_walk_finds_a_second_spelling(tmp_path: Path) -> None:
    """The check above is not vacuous: a status literal in code is found, one in a docstring is not."""
    module = tmp_path / "probe.py"
    module.write_text('"""RUNNING in prose."""\nSTATUS = "RUNNING"\nPATH = "/api/v2/tasks/instances"\n')
    found = list(_second_spellings(module, tmp_path))
    assert [hit.split(": ", 1)[1] for hit in found] == ["'RUNNING'", "'/api/v2/tasks/instances'"]
