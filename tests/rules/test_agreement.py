"""The agreement rule: the task's ``obproxy_server_ids`` are the requested ``obproxyIds``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from contracts.rules.agreement import check_agreement
from tests.factories import make_task

POINTER = "/context/listMap/obproxy_server_ids"
MISMATCH = [("agreement.target-mismatch", POINTER)]


def _pairs(task: object, requested: Sequence[object] | None) -> list[tuple[str, str]]:
    return sorted((v.rule, v.pointer) for v in check_agreement(task, requested))


@pytest.mark.parametrize(
    ("listed", "requested", "expected"),
    [
        # the same set, however spelled
        pytest.param(["2"], [2], [], id="documented-sample"),
        pytest.param(["2", "3"], [3, 2], [], id="other-order"),
        pytest.param([2, "3"], [2, 3], [], id="ints-and-strings"),
        pytest.param(["2", "2"], [2], [], id="repeated"),
        pytest.param(["9007199254740993"], [9007199254740993], [], id="long-beyond-2^53"),
        # a different set
        pytest.param(["2"], [2, 3], MISMATCH, id="missing"),
        pytest.param(["2", "3"], [2], MISMATCH, id="unexpected"),
        pytest.param(["3"], [2], MISMATCH, id="missing-and-unexpected"),
        pytest.param([], [2], MISMATCH, id="empty-list"),
    ],
)
def test_target_sets(listed: list[object], requested: list[object], expected: list[tuple[str, str]]) -> None:
    assert _pairs(make_task(obproxy_ids=listed), requested) == expected


def test_message_names_the_missing_and_the_unexpected_ids() -> None:
    [violation] = check_agreement(make_task(obproxy_ids=["3", "4"]), [2, 3])
    assert "missing 2" in violation.message
    assert "unexpected 4" in violation.message
    assert (violation.expected, violation.actual) == ("2, 3", "3, 4")


@pytest.mark.parametrize(
    ("task", "requested"),
    [
        # nothing to compare
        pytest.param(make_task(), None, id="nothing-requested"),
        pytest.param(make_task(), [], id="empty-request"),
        pytest.param(
            make_task(context="TaskContext{listMap={obproxy_server_ids=[3]}}"), [2], id="context-string"
        ),
        pytest.param({k: v for k, v in make_task().items() if k != "context"}, [2], id="context-absent"),
        pytest.param(make_task(context={"stringMap": {}}), [2], id="no-list-map"),
        pytest.param(make_task(context={"listMap": {"host_ids": ["3"]}}), [2], id="no-server-ids"),
        pytest.param(
            make_task(context={"listMap": {"obproxy_server_ids": "3"}}), [2], id="server-ids-string"
        ),
        pytest.param(make_task(obproxy_ids=["3", None]), [2], id="server-ids-with-junk"),
        pytest.param(None, [2], id="task-null"),
        pytest.param([make_task()], [2], id="task-array"),
    ],
)
def test_nothing_to_compare(task: Any, requested: list[int] | None) -> None:
    assert _pairs(task, requested) == []
