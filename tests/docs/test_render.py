"""The HTML reference carries every operation, enum value, example picture, version difference and defect."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from contracts.cli import main
from contracts.docs.reference import build_reference, split_sections
from contracts.docs.render import render_reference
from contracts.docs.templating import markdown
from contracts.spec import load_spec


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
    # four upgrade tasks, a rolled-back one, and the failure path's: retried, rolling back, the docs'
    # sample answer of a retry and a rollback (one example, drawn once)
    assert len(pictures) == 8
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
    assert "task id" in described["getTaskInstance"] and "shortRpmName" not in described["getTaskInstance"]
    assert "query parameter" in described["listTaskInstances"]
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
