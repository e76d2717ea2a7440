"""The rendered reference in a real browser: headless Chromium through the DevTools protocol.

Checks what a reader would notice: the page loads without console errors, every operation and
every enum value is on screen (not hidden in a collapsed block), each task example's picture
is drawn with one box per subtask, the lifecycle state charts show every status and every
control call with no label over another label, a state or a line, nothing overflows sideways.
Screenshots are kept under ``reports/browser/`` (and the test's tmp dir) for a person to look at.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contracts import ocp
from contracts.docs.render import write_reference
from contracts.docs.task_lifecycle import LEVELS, states
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


#: Each state chart as drawn: its states, its labels (with their pills and text lines) and the
#: points of each arrow sampled every 2 px, all in page pixels.
_STATE_CHARTS = """
Array.from(document.querySelectorAll('svg.statechart')).map(svg => {
  const rect = el => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const box = svg.getBoundingClientRect();
  const ctm = svg.getScreenCTM();
  return {
    id: svg.id, width: box.width, height: box.height, visible: svg.checkVisibility(),
    title: svg.querySelector('title').textContent,
    states: Array.from(svg.querySelectorAll('g.state')).map(g => ({
      name: g.dataset.state, box: rect(g.querySelector('rect')), text: rect(g.querySelector('text')),
      label: g.querySelector('text').textContent.trim()})),
    labels: Array.from(svg.querySelectorAll('g.move-label')).map(g => ({
      kind: g.dataset.kind, calls: (g.dataset.calls || '').split(' ').filter(Boolean),
      from: g.dataset.from, to: g.dataset.to, visible: g.checkVisibility(),
      pill: rect(g.querySelector('rect')),
      lines: Array.from(g.querySelectorAll('text')).map(t => ({text: t.textContent.trim(), box: rect(t)}))})),
    arrows: Array.from(svg.querySelectorAll('path.move')).map(p => {
      const points = [];
      for (let d = 0; d <= p.getTotalLength(); d += 2) {
        const q = p.getPointAtLength(d).matrixTransform(ctm);
        points.push([q.x, q.y]);
      }
      return points;
    }),
  };
})
"""


def _overlap(a: list[float], b: list[float], inset: float = 0.0) -> bool:
    return a[0] + inset < b[2] and b[0] + inset < a[2] and a[1] + inset < b[3] and b[1] + inset < a[3]


def _inside(inner: list[float], outer: list[float], slack: float = 0.5) -> bool:
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack)


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


def _chart_problems(chart: dict[str, Any]) -> list[str]:
    """Labels whose text spills out of their pill, or that cover a label, a state or an arrow."""
    found = []
    labels, states_drawn = chart["labels"], chart["states"]
    for state in states_drawn:
        if not _inside(state["text"], state["box"]):
            found.append(f"{state['name']}: its name spills out of its box")
    for index, label in enumerate(labels):
        name = " / ".join(line["text"] for line in label["lines"])
        spilt = [line for line in label["lines"] if not _inside(line["box"], label["pill"])]
        found += [f"{name}: text spills out" for _ in spilt]
        found += [f"{name} covers {s['name']}" for s in states_drawn if _overlap(label["pill"], s["box"])]
        for other_index, other in enumerate(labels[index + 1 :], index + 1):
            if _overlap(label["pill"], other["pill"]):
                found.append(f"{name} overlaps label {other_index}")
        for other_index, arrow in enumerate(chart["arrows"]):
            left, top, right, bottom = label["pill"]
            hidden = [p for p in arrow if left + 1.5 < p[0] < right - 1.5 and top + 1.5 < p[1] < bottom - 1.5]
            if other_index != index and hidden:
                found.append(f"{name} hides arrow {other_index} at {hidden[0]}")
    return found


def test_the_lifecycle_charts_show_every_state_and_every_call(page: Browser) -> None:
    charts = {chart["id"]: chart for chart in page.evaluate(_STATE_CHARTS)}
    assert set(charts) == {f"lifecycle-{level}" for level in LEVELS}
    for level in LEVELS:
        chart = charts[f"lifecycle-{level}"]
        assert chart["visible"] and chart["width"] > 300 and chart["height"] > 200, chart["id"]
        assert level in chart["title"]
        assert [(s["name"], s["label"]) for s in chart["states"]] == [(s, s) for s in states(level)]
        assert all(label["visible"] and label["lines"] for label in chart["labels"])
        assert len(chart["arrows"]) == len(chart["labels"])
        for call in (c for c in ocp.CONTROL_CALLS if c.acts_on == level):
            drawn = [lab for lab in chart["labels"] if lab["kind"] == "call" and call.route in lab["calls"]]
            expected = {(source, call.moves_to) for source in call.allowed_from}
            assert {(lab["from"], lab["to"]) for lab in drawn} == expected
            assert all(label["lines"][0]["text"] == call.route.replace("-", " ") for label in drawn), drawn
            assert all(call.operation in label["lines"][1]["text"] for label in drawn), drawn


def test_no_lifecycle_label_covers_a_label_a_state_or_an_arrow(page: Browser) -> None:
    for chart in page.evaluate(_STATE_CHARTS):
        assert _chart_problems(chart) == [], chart["id"]


def test_the_overlap_check_sees_a_covered_arrow() -> None:
    """The check above is not vacuous: a pill over another arrow, a pill over a pill and text
    wider than its pill are each found."""
    label = {"pill": [0, 0, 50, 20], "lines": [{"text": "a", "box": [2, 2, 60, 18]}]}
    chart = {"states": [], "labels": [label, {"pill": [40, 10, 90, 30], "lines": []}],
             "arrows": [[], [[25.0, 10.0]]]}
    problems = _chart_problems(chart)
    assert len(problems) == 3, problems


def test_the_rolled_back_task_is_explained_beside_the_charts(page: Browser) -> None:
    note = page.evaluate("""(() => { const n = document.querySelector('#lifecycle .note');
      return n && n.checkVisibility() ? n.textContent.replace(/\\s+/g, ' ') : null; })()""")
    assert note is not None
    assert f"rolled-back task ends {ocp.SUCCESSFUL}" in note and ocp.ROLLBACK in note
    assert "must read the task's operation" in note


@pytest.mark.parametrize("width", [WIDTH, 1024, 760])
def test_nothing_overflows_sideways(page: Browser, width: int) -> None:
    page.resize(width)
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        page.resize(WIDTH)


def test_screenshots_are_saved(page: Browser, tmp_path: Path) -> None:
    top = page.screenshot(tmp_path / "docs-top.png")
    where = page.evaluate("""(() => { const r = document.querySelector('#lifecycle').getBoundingClientRect();
      return {y: r.top + window.scrollY - 8, height: r.height + 16}; })()""")
    lifecycle = page.screenshot(
        tmp_path / "docs-lifecycle.png",
        clip={"x": 0, "y": where["y"], "width": WIDTH, "height": min(where["height"], 3000)},
    )
    box = page.evaluate(_MOST_COLOURFUL_EXAMPLE)
    example = page.screenshot(
        tmp_path / "docs-example-dag.png",
        clip={"x": 0, "y": box["y"], "width": WIDTH, "height": min(box["height"], 1500)},
    )
    for shot in (top, example, lifecycle):
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
