"""graph: a saved task drawn as SVG or Mermaid, with the flagged subtasks and edges highlighted."""

from __future__ import annotations

import copy
import itertools
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from contracts.cli import main
from contracts.commands._hints import graph_hint
from contracts.docs.flags import flags_for
from contracts.docs.mermaid import render_mermaid
from contracts.docs.taskgraph import MISSING, task_graph
from contracts.spec import load_spec
from contracts.validate import validate_response
from contracts.violations import Violation
from tests.factories import make_chain, make_task

SVG = "{http://www.w3.org/2000/svg}"
INVALID = Path(__file__).resolve().parents[1] / "data" / "invalid"


def _created() -> dict[str, Any]:
    value = load_spec().document["components"]["examples"]["UpgradeTaskCreated"]["value"]
    return copy.deepcopy(value)


def _broken() -> dict[str, Any]:
    """A cycle 5003 ⇄ 5004, a dangling upstream 9999 at 5011, an edge 5012 → 5013 recorded at one end."""
    body = _created()
    subtasks = {s["id"]: s for s in body["data"]["subtasks"]}
    subtasks[5004]["downstreams"] = [5005, 5003]
    subtasks[5003]["upstreams"] = [5002, 5004]
    subtasks[5011]["upstreams"] = [5010, 9999]
    subtasks[5012]["downstreams"] = []
    return body


FLAGGED_NODES = {"5003", "5004", "5011", "5012", "5013", "9999"}


def _save(tmp_path: Path, body: Any, name: str = "task.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(body), encoding="utf-8")
    return str(path)


def _flagged(svg: Path) -> tuple[set[str], int]:
    root = ET.parse(svg).getroot()
    nodes = {
        g.get("data-id", "") for g in root.iter(f"{SVG}g") if "flagged" in (g.get("class") or "").split()
    }
    edges = sum(1 for p in root.iter(f"{SVG}path") if (p.get("class") or "") == "edge flagged")
    return nodes, edges


def test_svg_of_a_broken_task_highlights_what_validate_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "task.svg"
    assert main(["graph", _save(tmp_path, _broken()), "--out", str(out)]) == 1
    nodes, edges = _flagged(out)
    assert nodes == FLAGGED_NODES
    assert edges == 4  # both directions of the cycle, the dangling edge, the one-ended edge
    assert "flagged 6 subtask(s), 4 edge(s)" in capsys.readouterr().err


def test_svg_of_a_valid_task_has_nothing_flagged(tmp_path: Path) -> None:
    out = tmp_path / "task.svg"
    assert main(["graph", _save(tmp_path, _created()), "--out", str(out)]) == 0
    root = ET.parse(out).getroot()
    assert _flagged(out) == (set(), 0)
    assert len([g for g in root.iter(f"{SVG}g") if "node" in (g.get("class") or "").split()]) == 14
    legend = {t.text for t in root.iter(f"{SVG}text")}
    assert {
        "PENDING",
        "READY",
        "RUNNING",
        "CANCELING",
        "FAILED",
        "SUCCESSFUL",
        "flagged by validate",
    } <= legend


def test_mermaid_marks_flagged_nodes_and_links(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", _save(tmp_path, _broken()), "--format", "mermaid"]) == 1
    text = capsys.readouterr().out
    assert text.startswith("flowchart TB\n")
    assert "    class n5003,n5004,n5011,n5012,n5013,n9999 flagged" in text
    assert '    n5012 -. "downstreams only" .-> n5013' not in text
    assert '    n5012 -. "upstreams only" .-> n5013' in text
    assert "linkStyle " in text


def test_mermaid_file_suffix_picks_the_format(tmp_path: Path) -> None:
    out = tmp_path / "task.mmd"
    assert main(["graph", _save(tmp_path, _created()), "--out", str(out)]) == 0
    assert out.read_text().startswith("flowchart TB")


def test_a_bare_task_object_is_drawn_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", _save(tmp_path, _broken()["data"]), "--format", "mermaid"]) == 1
    assert "n9999 flagged" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({"data": {"id": 1}, "status": 200}, "holds no task", id="no-subtasks"),
        pytest.param(
            {"subtasks": [{"id": 1, "status": "PENDING"}]}, "carry no upstreams/downstreams", id="list-item"
        ),
    ],
)
def test_files_without_a_graph_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: Any, message: str
) -> None:
    assert main(["graph", _save(tmp_path, body)]) == 2
    assert message in capsys.readouterr().err


def test_missing_ids_become_missing_nodes() -> None:
    graph = task_graph(_broken()["data"])
    assert graph.nodes[9999].status == MISSING and graph.nodes[9999].missing


def test_task_level_findings_stay_beside_the_picture() -> None:
    task = _created()["data"]
    findings = [
        Violation(rule="state.task-status", pointer="/data/status", message="x"),
        Violation(rule="dag.start-node", pointer="/data/subtasks", message="y"),
        Violation(rule="dag.duplicate-id", pointer="/data/subtasks/1/id", message="z"),
    ]
    flags = flags_for(task, findings)
    assert [v.rule for v in flags.task] == ["state.task-status", "dag.start-node"]
    assert flags.nodes == {5001: {"dag.duplicate-id"}}
    assert "%% error [state.task-status] /data/status: x" in render_mermaid(task_graph(task), flags)


def test_validate_hint_appears_only_for_graph_findings() -> None:
    dag = Violation(rule="dag.cycle", pointer="/data/subtasks/0", message="c")
    other = Violation(rule="envelope.status", pointer="/status", message="s")
    assert graph_hint([other], "saved.json") is None
    assert graph_hint([other, dag], "saved.json") == (
        "hint: see the flagged subtasks in a picture: ocp-contract graph saved.json --out task.svg"
    )


def test_a_cycle_longer_than_its_printed_path_flags_every_edge_and_only_those() -> None:
    """The printed path of a 25-subtask cycle is shortened; the picture reads the edges as data."""
    ids = list(range(7001, 7026))
    subtasks = make_chain(ids=ids)
    subtasks[0]["upstreams"], subtasks[-1]["downstreams"] = [ids[-1]], [ids[0]]
    task = make_task(subtasks=subtasks)

    cycles = [
        v
        for v in validate_response({"data": task}, operation="task", http_status=200)
        if v.rule == "dag.cycle"
    ]
    assert len(cycles) == 1 and "more" in cycles[0].actual, "the printed path is shortened"
    flags = flags_for(task, cycles)

    expected = set(itertools.pairwise([*ids, ids[0]]))
    assert set(flags.edges) == expected
    assert set(flags.nodes) == set(ids)
    assert flags.task == []


def _boxes(root: ET.Element) -> dict[str, tuple[float, float, float, float]]:
    """Each drawn subtask's box (left, top, right, bottom), by id."""
    boxes = {}
    for node in root.iter(f"{SVG}g"):
        if "node" in node.get("class", "").split() and node.get("transform"):
            x, y = map(float, node.get("transform", "")[len("translate(") : -1].split(","))
            boxes[node.get("data-id", "")] = (x, y, x + 236, y + 48)
    return boxes


def _points(path: str) -> list[tuple[float, float]]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path)]
    return list(zip(numbers[::2], numbers[1::2], strict=True))


@pytest.mark.parametrize("case", ["dag-cycle", "dag-asymmetric-edge"])
def test_an_edge_drawn_upwards_crosses_no_box(case: str, tmp_path: Path) -> None:
    """A cycle's closing edge goes around every box — the start node's included — not through one."""
    out = tmp_path / "task.svg"
    main(["graph", str(INVALID / f"{case}.json"), "--out", str(out)])
    root = ET.fromstring(out.read_text())
    boxes = _boxes(root)
    drawn = [_points(p.get("d", "")) for p in root.iter(f"{SVG}path") if "edge" in p.get("class", "").split()]
    upward = [points for points in drawn if points[-1][1] < points[0][1]]
    if case == "dag-cycle":
        assert upward, "the cycle has an edge drawn upwards"
    for points in upward:
        for (x1, y1), (x2, y2) in itertools.pairwise(points[1:-1]):  # between leaving and entering
            for left, top, right, bottom in boxes.values():
                if x1 == x2:  # vertical run
                    assert not (left < x1 < right and min(y1, y2) < bottom and max(y1, y2) > top)
                elif y1 == y2:  # horizontal run
                    assert not (top < y1 < bottom and min(x1, x2) < right and max(x1, x2) > left)


def test_a_raster_out_name_is_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "task.png"
    assert main(["graph", str(INVALID / "dag-cycle.json"), "--out", str(out)]) == 2
    assert not out.exists()
    err = capsys.readouterr().err.strip()
    assert "graph draws SVG or Mermaid, not PNG" in err and err.count("\n") == 0


def test_a_task_without_subtasks_gets_validate_s_verdict(tmp_path: Path) -> None:
    body = json.loads((INVALID / "dag-cycle.json").read_text())
    body["data"]["subtasks"] = []
    saved = tmp_path / "empty.json"
    saved.write_text(json.dumps(body))
    verdict = main(["validate", str(saved)])
    assert main(["graph", str(saved), "--out", str(tmp_path / "empty.svg")]) == verdict == 0
    body["data"]["status"] = "FAILED"  # no FAILED subtask: an error for both
    saved.write_text(json.dumps(body))
    verdict = main(["validate", str(saved)])
    assert main(["graph", str(saved), "--out", str(tmp_path / "empty.svg")]) == verdict == 1
