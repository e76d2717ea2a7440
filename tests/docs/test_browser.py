"""The rendered reference in a real browser: headless Chromium through the DevTools protocol.

Checks what a reader would notice: the page loads without console errors, every operation and
every enum value is on screen (not hidden in a collapsed block), each task example's picture
is drawn with one box per subtask, nothing overflows sideways. Screenshots are kept under
``reports/browser/`` (and the test's tmp dir) for a person to look at.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contracts.docs.render import write_reference
from contracts.docs.taskgraph import has_graph
from contracts.spec import load_spec
from tests.docs.chromium import Browser, chromium_missing

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = Path(os.environ.get("OCP_TEST_ARTEFACTS", ROOT / "reports" / "browser"))
WIDTH = 1280

_VISIBLE_TEXT = """
(() => {
  const needles = %s;
  const candidates = Array.from(document.querySelectorAll('%s'));
  const shown = el => el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})
    && el.getBoundingClientRect().width > 0 && el.getBoundingClientRect().height > 0;
  return needles.filter(n => !candidates.some(el => el.textContent.trim() === n && shown(el)));
})()
"""

_PICTURES = """
Array.from(document.querySelectorAll('svg.dag')).map(svg => {
  const box = svg.getBoundingClientRect();
  return {id: svg.id, width: box.width, height: box.height, visible: svg.checkVisibility(),
          nodes: svg.querySelectorAll('g.node').length};
})
"""

#: The example whose picture shows the most distinct statuses, as a clip rectangle.
_MOST_COLOURFUL_EXAMPLE = """
(() => {
  const colours = svg => new Set(Array.from(svg.querySelectorAll('g.node > rect:first-of-type'))
    .map(r => r.getAttribute('fill'))).size;
  const best = Array.from(document.querySelectorAll('#examples svg.dag'))
    .sort((a, b) => colours(b) - colours(a))[0];
  const r = best.closest('article').getBoundingClientRect();
  return {y: r.top + window.scrollY - 8, height: r.height + 16};
})()
"""


def _enum_values(document: dict[str, Any]) -> list[str]:
    found: list[str] = []
    stack: list[Any] = [document.get("components", {}).get("schemas", {})]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key in ("enum", "x-known-values"):
                if isinstance(node.get(key), list):
                    found.extend(str(v) for v in node[key])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return sorted(set(found))


def _task_examples(document: dict[str, Any]) -> dict[str, int]:
    """Component examples whose ``data`` is a task with edges, and their subtask counts."""
    examples = document.get("components", {}).get("examples", {})
    return {
        name: len(ex["value"]["data"]["subtasks"])
        for name, ex in examples.items()
        if isinstance(ex.get("value", {}).get("data"), dict) and has_graph(ex["value"]["data"])
    }


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    out = tmp_path_factory.mktemp("docs")
    index = write_reference(load_spec(), out)
    browser = Browser()
    try:
        browser.open(index.as_uri(), width=WIDTH)
        yield browser
    finally:
        browser.close()


def _keep(shot: Path) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, ARTEFACTS / shot.name)


def test_page_loads_without_console_errors(page: Browser) -> None:
    assert page.evaluate("document.readyState") == "complete"
    assert page.problems() == []


def test_every_operation_is_visible(page: Browser) -> None:
    operation_ids = sorted(load_spec().operations)
    assert page.evaluate(_VISIBLE_TEXT % (json.dumps(operation_ids), "h3 code, .op-title code")) == []


def test_every_enum_value_is_visible(page: Browser) -> None:
    values = _enum_values(load_spec().document)
    assert {"RUNNING", "SYS_ONECE", "ROLLBACK_SKIP", "CANCELING", "JAVA_TASK"} <= set(values)
    assert page.evaluate(_VISIBLE_TEXT % (json.dumps(values), "code.enum")) == []


def test_each_task_example_is_drawn_with_a_box_per_subtask(page: Browser) -> None:
    expected = _task_examples(load_spec().document)
    pictures = {p["id"]: p for p in page.evaluate(_PICTURES)}
    assert set(pictures) == {f"dag-{name}" for name in expected}
    for name, subtasks in expected.items():
        picture = pictures[f"dag-{name}"]
        assert picture["visible"], name
        assert picture["width"] > 200 and picture["height"] > 200, picture
        assert picture["nodes"] == subtasks, name


@pytest.mark.parametrize("width", [WIDTH, 1024, 760])
def test_nothing_overflows_sideways(page: Browser, width: int) -> None:
    page.resize(width)
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        page.resize(WIDTH)


def test_screenshots_are_saved(page: Browser, tmp_path: Path) -> None:
    top = page.screenshot(tmp_path / "docs-top.png")
    box = page.evaluate(_MOST_COLOURFUL_EXAMPLE)
    example = page.screenshot(
        tmp_path / "docs-example-dag.png",
        clip={"x": 0, "y": box["y"], "width": WIDTH, "height": min(box["height"], 1500)},
    )
    for shot in (top, example):
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert shot.stat().st_size > 20_000, "a blank page compresses to almost nothing"
        _keep(shot)


def test_the_console_check_sees_errors(tmp_path: Path) -> None:
    """The detector itself: a page with a console error and a missing image is caught."""
    bad = tmp_path / "bad.html"
    html = '<!DOCTYPE html><img src="missing.png"><script>console.error("boom")</script>'
    bad.write_text(html, encoding="utf-8")
    browser = Browser()
    try:
        browser.open(bad.as_uri())
        problems = browser.problems()
    finally:
        browser.close()
    assert any("boom" in p for p in problems), problems
    assert any("missing.png" in p or "ERR_FILE_NOT_FOUND" in p for p in problems), problems
