"""OCP Express names a task's tenant ``tenantInfo``: a server that sends it passes ``--strict``,
in task detail and in the task list, while a really undocumented property still does not."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from contracts import validate_response

SAMPLE = Path(__file__).resolve().parent / "data" / "documented-sample.json"
TENANT_INFO = {"id": 1002, "name": "sys", "obTenantId": 1}


def _task() -> dict[str, Any]:
    body: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return body


def _rules(body: Any, operation: str) -> list[str]:
    return [v.rule for v in validate_response(body, operation=operation, strict=True)]


def test_a_task_with_tenant_info_passes_strict() -> None:
    body = _task()
    assert _rules(body, "task") == []
    body["data"]["tenantInfo"] = TENANT_INFO
    assert _rules(body, "task") == []


def test_a_task_list_item_with_tenant_info_passes_strict() -> None:
    task = _task()["data"]
    item = {key: task[key] for key in ("id", "name", "status", "creator") if key in task}
    item["tenantInfo"] = TENANT_INFO
    page = copy.deepcopy(_task())
    paging = {"number": 1, "size": 10, "totalElements": 1, "totalPages": 1}
    page["data"] = {"contents": [item], "page": paging}
    found = validate_response(page, operation="tasks", strict=True)
    assert not [v for v in found if v.rule == "schema.undocumented-property" and "tenantInfo" in v.pointer]


@pytest.mark.parametrize("name", ["tenantInformation", "tenant_info"])
def test_another_name_is_still_undocumented_under_strict(name: str) -> None:
    body = _task()
    body["data"][name] = TENANT_INFO
    assert "schema.undocumented-property" in _rules(body, "task")
