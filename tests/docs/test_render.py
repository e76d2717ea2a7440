"""The HTML reference carries every operation, enum value, example picture, version difference and defect."""

from __future__ import annotations

import copy
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts import ocp
from contracts.cli import main
from contracts.docs.reference import ExampleView, build_reference, split_sections
from contracts.docs.render import render_reference
from contracts.docs.schema_view import type_parts
from contracts.docs.taskgraph import has_graph
from contracts.docs.templating import markdown
from contracts.spec import Spec, load_spec


@pytest.fixture(scope="module")
def page() -> str:
    return render_reference(load_spec())


def _enum_values(node: Any) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key in ("enum", "x-known-values"):
                found.update(str(v) for v in item.get(key, []))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def test_every_operation_is_documented(page: str) -> None:
    for operation_id, operation in load_spec().operations.items():
        assert f'id="op-{operation_id}"' in page
        assert f'<code class="path">{operation.path}</code>' in page


def test_every_enum_value_is_a_chip(page: str) -> None:
    chips = set(re.findall(r'<code class="enum">([^<]+)</code>', page))
    values = _enum_values(load_spec().document["components"]["schemas"])
    assert values and values <= chips


def test_every_task_example_is_drawn_as_well_formed_svg(page: str) -> None:
    pictures = re.findall(r'<svg xmlns="http://www.w3.org/2000/svg" class="dag".*?</svg>', page, re.DOTALL)
    examples = load_spec().document["components"]["examples"].values()
    drawable = [e for e in examples if isinstance(data := e["value"].get("data"), dict) and has_graph(data)]
    # four upgrade tasks, a rolled-back one, and the failure path's: retried, rolling back, the docs'
    # sample answer of a retry and a rollback (one example, drawn once)
    assert len(pictures) == len(drawable) == 8
    for picture in pictures:
        root = ET.fromstring(picture)
        assert root.find("{http://www.w3.org/2000/svg}title") is not None


def test_version_differences_show_since_when(page: str) -> None:
    assert page.count("since OCP 4.0.3") >= 4  # body, AK/SK scheme, and both rows of the versions table
    assert "OCP 3.1.1, 4.0.0: send <strong>no body</strong>" in page
    assert "Not available in OCP 3.1.1, 4.0.0." in page


def test_the_source_defects_have_their_own_section(page: str) -> None:
    assert 'id="about-defects-of-the-source-page"' in page
    assert "The sample request path lacks the" in page


def test_errors_table_lists_codes(page: str) -> None:
    section = page[page.index('id="errors"') : page.index('id="schemas"')]
    for code in ("10002", "20000", "30014", "20003"):
        assert f"<code>{code}</code>" in section


def test_the_page_is_self_contained(page: str) -> None:
    assert "<script" not in page
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page), "nothing may be fetched from the network"
    assert '<link rel="stylesheet"' not in page


def test_the_page_is_balanced_html(page: str) -> None:
    class Balance(HTMLParser):
        VOID = frozenset({"meta", "link", "br", "hr", "img", "input", "path", "rect", "circle"})

        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag not in self.VOID:
                self.stack.append(tag)

        def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            pass

        def handle_endtag(self, tag: str) -> None:
            if tag in self.VOID:
                return
            assert self.stack and self.stack[-1] == tag, (
                f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
            )
            self.stack.pop()

    parser = Balance()
    parser.feed(page)
    assert parser.stack == []


def test_descriptions_cannot_inject_markup() -> None:
    assert "<script>" not in markdown("a <script>alert(1)</script> b")
    assert "&lt;script&gt;" in markdown("a <script>alert(1)</script> b")


def test_description_sections_split_at_bold_headings() -> None:
    intro, sections = split_sections("Intro.\n\n**Workflow.** Do A.\n\nThen B.\n\n**Defects** 1. x")
    assert intro == "Intro."
    assert [(s.title, s.body) for s in sections] == [("Workflow", "Do A.\n\nThen B."), ("Defects", "1. x")]


def test_reference_model_groups_schemas() -> None:
    groups = dict(build_reference(load_spec()).schema_groups)
    assert {"Envelopes and errors", "Enumerations", "Tasks, subtasks and pages"} <= set(groups)
    assert "TaskStatus" in {view.name for view in groups["Enumerations"]}


def test_docs_command_writes_index_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", "--out", str(tmp_path / "site")]) == 0
    assert (tmp_path / "site" / "index.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "index.html" in capsys.readouterr().out


def test_docs_command_unwritable_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["docs", "--out", str(blocker / "site")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_each_operation_s_400_row_describes_its_own_bad_input() -> None:
    reference = build_reference(load_spec())
    described = {
        operation.operation_id: next(r.description for r in operation.responses if r.status == "400")
        for operation in reference.operations
    }
    assert "shortRpmName" in described["upgradeObproxies"]
    assert "task id" in described["getTaskInstance"]
    assert "query parameter" in described["listTaskInstances"]
    assert [op for op, text in described.items() if "shortRpmName" in text] == ["upgradeObproxies"]
    assert "shortRpmName" not in described["listTaskInstances"]
    assert "cluster id" in described["getObproxyCluster"]
    assert "20004" in described["rollbackTaskInstance"] and "20004" not in described["retryTaskInstance"]
    # the three subtask controls share one: an id that is no Long, or a subtask in the wrong state
    shared = {described[op] for op in ("retrySubtask", "skipSubtask", "cancelSubtask")}
    assert len(shared) == 1
    assert len(set(described.values())) == len(described) - 2


def test_example_names_are_words_not_operation_and_status_codes() -> None:
    reference = build_reference(load_spec())
    names = {example.name for example in reference.examples}
    assert {"Unauthorized", "Too many requests", "Bad task request"} <= names
    assert not [name for name in names if re.search(r"-\d{3}$", name)]


# --- operations of every shape: no body, no data, a task or nothing, no content, two codes ------

_ENVELOPE = {"type": "object", "properties": {"successful": {"type": "boolean"}}}
_NO_DATA = {"successful": True, "status": 200}
_TASK = {"$ref": "#/components/schemas/TaskInstanceResponse"}
_NO_DATA_SCHEMA = {"$ref": "#/components/schemas/NoDataEnvelope"}
_SHARED = {"$ref": "#/components/examples/SharedNoData"}
_TASK_ID = {"name": "taskInstanceId", "in": "path", "required": True, "schema": {"type": "integer"}}


def _answer(schema: object, examples: dict[str, object], description: str = "Done.") -> dict[str, object]:
    media = {"schema": schema, "examples": examples}
    return {"description": description, "content": {"application/json": media}}


def _refusal(code: int, message: str) -> dict[str, object]:
    return {"value": {"successful": False, "error": {"code": code, "message": message}}}


_SHAPES: dict[str, dict[str, object]] = {
    "shapedRollback": {
        "200": _answer({"oneOf": [_TASK, _NO_DATA_SCHEMA]}, {"ok": {"value": _NO_DATA}, "none": _SHARED}),
        "400": _answer(
            {"$ref": "#/components/schemas/ErrorResponse"},
            {
                "wrongState": _refusal(20003, "Not in that state."),
                "prohibited": _refusal(20004, "Prohibited."),
                "prohibitedAgain": _refusal(20004, "Prohibited."),
                "noErrorObject": {"value": {"successful": False}},
            },
            "Refused.",
        ),
    },
    "shapedSkip": {
        "200": _answer(_NO_DATA_SCHEMA, {"ok": {"value": _NO_DATA}, "none": _SHARED}),
        "204": {"description": "Nothing at all."},
    },
    "shapedLog": {
        "200": _answer({"type": "object"}, {"log": {"value": {"data": {"log": "line 1\nline 2"}}}}),
    },
    "shapedCluster": {
        "200": _answer(
            {"type": "object"},
            {
                "cluster": {
                    "value": {
                        "data": {
                            "id": 1,
                            "obproxies": [
                                {
                                    "id": 1,
                                    "ip": "10.0.0.11",
                                    "sqlPort": 2883,
                                    "version": "4.2.1.0-1",
                                    "status": ocp.UPGRADING,
                                    "operateStatus": "OPERATING",
                                },
                                {"id": 3, "ip": "10.0.0.13", "version": "4.2.0.0-7"},
                            ],
                        }
                    }
                }
            },
        ),
    },
}


@pytest.fixture(scope="module")
def shaped(tmp_path_factory: pytest.TempPathFactory) -> Spec:
    """The contract plus operations shaped as the failure path's are: POSTs without a body, a
    200 without ``data``, a 200 that is a task *or* nothing, a 204 without content, a log, a 400
    with two codes, and an inline example name that two operations use."""
    document = copy.deepcopy(load_spec().document)
    document["components"]["schemas"]["NoDataEnvelope"] = _ENVELOPE
    document["components"]["examples"]["SharedNoData"] = {"summary": "No data", "value": _NO_DATA}
    for operation_id, responses in _SHAPES.items():
        method = "get" if operation_id in ("shapedLog", "shapedCluster") else "post"
        document["paths"][f"/api/v2/shaped/{{taskInstanceId}}/{operation_id}"] = {
            method: {
                "operationId": operation_id,
                "summary": f"Shaped {operation_id}",
                "parameters": [_TASK_ID],
                "responses": responses,
            }
        }
    path = tmp_path_factory.mktemp("shaped") / "openapi.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return load_spec(path)


def _article(page: str, operation_id: str) -> str:
    start = page.index(f'id="op-{operation_id}"')
    return page[start : page.index("</article>", start)]


def test_every_operation_of_any_shape_is_documented(shaped: Spec) -> None:
    page = render_reference(shaped)
    assert len(shaped.operations) >= 6
    for operation_id in shaped.operations:
        article = _article(page, operation_id)
        assert "<h4>Responses</h4>" in article and "<h4>Parameters</h4>" in article, operation_id
    for operation_id in _SHAPES:
        assert "Request body" not in _article(page, operation_id)


def test_a_task_or_nothing_answer_names_both_and_no_content_says_so(shaped: Spec) -> None:
    page = render_reference(shaped)
    rollback = _article(page, "shapedRollback")
    assert 'TaskInstanceResponse</a> or <a href="#schema-NoDataEnvelope">NoDataEnvelope</a>' in rollback
    skip = _article(page, "shapedSkip")
    assert '<span class="muted">no body</span>' in skip and "any JSON value" not in skip
    assert '<span class="type">object</span>' in _article(page, "shapedLog")


@pytest.mark.parametrize(
    ("schema", "reads"),
    [
        ({"type": ["object", "null"]}, "object or null"),
        ({"type": ["integer", "string"], "format": "int64"}, "integer or string (int64)"),
        ({"const": True}, "constant true"),
        ({"allOf": [{"$ref": "#/components/schemas/A"}, {"type": "object"}]}, "A and object"),
        ({"oneOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}]}, "A or null"),
        ({}, "any JSON value"),
    ],
)
def test_a_type_reads_as_words(schema: dict[str, object], reads: str) -> None:
    assert "".join(text for text, _ in type_parts(schema)) == reads


def test_inline_examples_with_one_name_stay_apart_and_a_shared_one_lists_its_users(shaped: Spec) -> None:
    reference = build_reference(shaped)
    by_name = {example.name: example for example in reference.examples}
    ok = [example for name, example in by_name.items() if name.startswith("ok")]
    assert len(ok) == 2 and len({example.anchor for example in ok}) == 2
    assert {example.uses[0][0] for example in ok} == {"shapedRollback", "shapedSkip"}
    assert by_name["SharedNoData"].uses == [("shapedRollback", "200"), ("shapedSkip", "200")]
    links = {
        op.operation_id: {link.anchor for r in op.responses for link in r.examples}
        for op in reference.operations
    }
    assert links["shapedRollback"] & links["shapedSkip"] == {by_name["SharedNoData"].anchor}
    assert "line 1" in next(example.json for name, example in by_name.items() if name == "log")


def test_a_cluster_shows_its_servers_versions_and_a_log_its_text(shaped: Spec) -> None:
    page = render_reference(shaped)
    cluster = page[page.index('id="example-cluster"') :]
    cluster = cluster[: cluster.index("</article>")]
    assert "<td><code>10.0.0.11:2883</code></td><td><code>4.2.1.0-1</code></td>" in cluster
    assert f'<code class="enum">{ocp.UPGRADING}</code>' in cluster
    assert "<td><code>10.0.0.13</code></td><td><code>4.2.0.0-7</code></td>" in cluster
    log = page[page.index('id="example-log"') :]
    assert '<pre class="log">line 1\nline 2</pre>' in log[: log.index("</article>")]


def test_a_refusal_with_two_codes_shows_both(shaped: Spec) -> None:
    page = render_reference(shaped)
    errors = page[page.index('id="errors"') : page.index('id="schemas"')]
    assert "<code>20003</code> Not in that state." in errors and "<code>20004</code> Prohibited." in errors
    assert errors.count("<code>20004</code> Prohibited.") == 1, "a code shown twice says nothing more"


def test_the_shaped_page_is_balanced_and_anchors_are_unique(shaped: Spec) -> None:
    page = render_reference(shaped)
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    linked = set(re.findall(r'href="#([^"]+)"', page))
    assert linked <= set(ids), sorted(linked - set(ids))


# --- every operation of the contract, the failure path's included --------------------------------


def _operation_view(operation_id: str) -> Any:
    return next(op for op in build_reference(load_spec()).operations if op.operation_id == operation_id)


def _answers(operation_id: str, status: str = "200") -> list[ExampleView]:
    reference = build_reference(load_spec())
    by_anchor = {example.anchor: example for example in reference.examples}
    operation = next(op for op in reference.operations if op.operation_id == operation_id)
    response = next(r for r in operation.responses if r.status == status)
    return [by_anchor[link.anchor] for link in response.examples]


def test_every_operation_of_the_contract_is_documented_with_its_answers(page: str) -> None:
    operations = load_spec().operations
    routes = {operation_id for _, _, operation_id in (*ocp.ROUTES.values(), *ocp.LIFECYCLE_ROUTES.values())}
    assert routes <= set(operations) and len(operations) >= 10
    for operation_id, operation in operations.items():
        article = _article(page, operation_id)
        assert "<h4>Parameters</h4>" in article and "<h4>Responses</h4>" in article, operation_id
        for status in operation.documented_statuses:
            assert f'<span class="status-code s{status[0]}">{status}</span>' in article, operation_id
        assert _answers(operation_id), f"{operation_id} shows no example of its 200"


@pytest.mark.parametrize("route", ["subtask-skip", "subtask-cancel"])
def test_a_call_that_answers_nothing_shows_an_answer_without_data(route: str) -> None:
    _, _, operation_id = ocp.LIFECYCLE_ROUTES[route]
    assert _operation_view(operation_id).body is None
    answers = [json.loads(example.json) for example in _answers(operation_id)]
    assert answers and all("data" not in answer for answer in answers)


def test_the_rollback_answer_is_shown_as_a_task_and_as_nothing() -> None:
    _, _, operation_id = ocp.LIFECYCLE_ROUTES["task-rollback"]
    answers = [json.loads(example.json) for example in _answers(operation_id)]
    assert any(isinstance(answer.get("data"), dict) for answer in answers)
    assert any("data" not in answer for answer in answers)


def test_the_log_and_the_cluster_are_shown_as_text_and_servers() -> None:
    _, _, log_id = ocp.LIFECYCLE_ROUTES["subtask-log"]
    assert any(example.log for example in _answers(log_id))
    _, _, cluster_id = ocp.LIFECYCLE_ROUTES["cluster"]
    servers = [server for example in _answers(cluster_id) for server in example.servers]
    assert servers and all(server.version for server in servers)


def test_the_failure_path_s_codes_are_in_the_errors_table(page: str) -> None:
    section = page[page.index('id="errors"') : page.index('id="schemas"')]
    for code in (ocp.TASK_NOT_FOUND_CODE, ocp.TASK_STATE_INVALID_CODE, ocp.TASK_PROHIBITS_ROLLBACK_CODE):
        assert f"<code>{code}</code>" in section


def test_the_control_calls_table_links_every_call_to_its_operation(page: str) -> None:
    section = page[page.index('id="lifecycle"') : page.index('id="operations"')]
    for call in ocp.CONTROL_CALLS:
        _, _, operation_id = ocp.LIFECYCLE_ROUTES[call.route]
        assert f'<a href="#op-{operation_id}"><code>{operation_id}</code></a>' in section


def test_each_operation_heading_says_since_when_it_is_documented(page: str) -> None:
    """An operation marked ``x-ocp-since`` says so under its heading; one documented by every
    version the contract knows (the upgrade) carries no mark."""
    card = r'<article class="card operation" id="op-(\w+)">(.*?)</article>'
    cards = dict(re.findall(card, page, re.DOTALL))
    marked = {
        operation_id
        for operation_id, card in cards.items()
        if "since OCP" in card.split('<div class="md">')[0]
    }
    spec = load_spec().document
    expected = {
        operation["operationId"]
        for item in spec["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "x-ocp-since" in operation
    }
    assert marked == expected
    assert {"retryTaskInstance", "getObproxyCluster"} <= marked and "upgradeObproxies" not in marked
