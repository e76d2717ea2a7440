"""The lifecycle state charts: every status and every control call drawn, the engine's moves named
after their source, the refusals stated, and a layout in which no label covers another label,
a state or a line."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import ocp
from contracts.docs.reference import build_lifecycle
from contracts.docs.statechart import (
    ChartGeometry,
    DrawnMove,
    StateChart,
    lay_out,
    render_state_chart,
    text_width,
)
from contracts.docs.task_lifecycle import (
    CALL,
    CALL_EFFECTS,
    EFFECT,
    ENGINE,
    ENGINE_MOVES,
    LEVELS,
    Move,
    call_rows,
    moves,
    refusals,
    states,
)
from contracts.spec import load_spec

SVG = "{http://www.w3.org/2000/svg}"
Box = tuple[float, float, float, float]  # left, top, right, bottom


def _pill(m: DrawnMove) -> Box:
    return m.label_left, m.label_top, m.label_left + m.label_width, m.label_top + m.label_height


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _segments(path: str) -> list[tuple[float, float, float, float]]:
    """The straight runs of an arc's path (its ``L`` commands), as (x1, y1, x2, y2)."""
    points = [p.split(",") for p in re.findall(r"[ML]\s*(-?[\d.]+,-?[\d.]+)", path)]
    xy = [(float(x), float(y)) for x, y in points]
    return [(*xy[i - 1], *xy[i]) for i in range(1, len(xy))]


def _crosses(segment: tuple[float, float, float, float], box: Box) -> bool:
    x1, y1, x2, y2 = segment
    inner = (box[0] + 1, box[1] + 1, box[2] - 1, box[3] - 1)
    return _overlaps((min(x1, x2), min(y1, y2), max(x1, x2) + 0.01, max(y1, y2) + 0.01), inner)


def _problems(chart: StateChart) -> list[str]:
    """Every label that covers another label, a state, or a straight run of another arc."""
    found = []
    boxes = {s.name: (s.x, s.y, s.x + s.width, s.y + s.height) for s in chart.states}
    for a, b in itertools.combinations(chart.moves, 2):
        if _overlaps(_pill(a), _pill(b)):
            found.append(f"label {a.move.label} overlaps label {b.move.label}")
    for m in chart.moves:
        covered = [name for name, box in boxes.items() if _overlaps(_pill(m), box)]
        found += [f"label {m.move.label} covers state {name}" for name in covered]
        for other in chart.moves:
            if other is not m and any(_crosses(seg, _pill(m)) for seg in _segments(other.path)):
                found.append(f"label {m.move.label} hides a line of {other.move.label}")
    return found


# --- the model ---------------------------------------------------------------------------------


@pytest.mark.parametrize("call", ocp.CONTROL_CALLS, ids=lambda c: c.route)
def test_every_control_call_is_an_arrow_of_its_level(call: ocp.ControlCall) -> None:
    drawn = {(m.source, m.target) for m in moves(call.acts_on) if m.kind == CALL and call.route in m.routes}
    assert drawn == {(source, call.moves_to) for source in call.allowed_from}
    labels = {m.label for m in moves(call.acts_on) if call.route in m.routes and m.kind == CALL}
    assert labels == {(call.route.replace("-", " "), f"operation {call.operation}")}


@pytest.mark.parametrize(
    ("level", "source", "target"),
    [
        ("subtask", ocp.PENDING, ocp.READY),
        ("subtask", ocp.READY, ocp.RUNNING),
        ("subtask", ocp.RUNNING, ocp.SUCCESSFUL),
        ("subtask", ocp.RUNNING, ocp.FAILED),
        ("subtask", ocp.CANCELING, ocp.FAILED),
        ("subtask", ocp.RUNNING, ocp.PENDING),  # a rollback step done
        ("task", ocp.RUNNING, ocp.FAILED),
        ("task", ocp.RUNNING, ocp.SUCCESSFUL),
    ],
)
def test_the_engine_s_own_moves_are_drawn(level: str, source: str, target: str) -> None:
    assert any(m.kind == ENGINE and (m.source, m.target) == (source, target) for m in moves(level))


def test_a_finished_rollback_is_a_successful_task_with_every_subtask_pending() -> None:
    rollback_done = [m for m in ENGINE_MOVES if m.level == "task" and m.target == ocp.SUCCESSFUL
                     and ocp.ROLLBACK in m.detail]
    assert len(rollback_done) == 1
    assert ocp.PENDING in " ".join(rollback_done[0].label)


def test_every_engine_move_names_the_ocp_express_code_that_makes_it() -> None:
    for move in ENGINE_MOVES:
        assert re.search(r"[A-Z][a-z]+(Worker|Impl|Accessor)\b", move.where), move
        assert move.level in LEVELS and {move.source, move.target} <= set(states(move.level)), move


def test_call_effects_name_known_routes_and_statuses() -> None:
    for effect in CALL_EFFECTS:
        assert set(effect.routes) <= set(ocp.LIFECYCLE_ROUTES)
        assert {effect.source, effect.target} <= set(states(effect.level))
    assert any(m.kind == EFFECT and m.routes == ("task-retry",) for m in moves("subtask"))


def test_each_call_states_its_refusals() -> None:
    for call in ocp.CONTROL_CALLS:
        found = {(r.status, r.code) for r in refusals(call)}
        assert {(404, ocp.TASK_NOT_FOUND_CODE), (400, ocp.TASK_STATE_INVALID_CODE)} <= found
    rollback = next(c for c in ocp.CONTROL_CALLS if c.route == "task-rollback")
    assert (400, ocp.TASK_PROHIBITS_ROLLBACK_CODE) in {(r.status, r.code) for r in refusals(rollback)}


def test_call_rows_carry_routes_answers_and_notes() -> None:
    rows = {row.route: row for row in call_rows()}
    assert set(rows) == {call.route for call in ocp.CONTROL_CALLS}
    for row in rows.values():
        method, path, operation_id = ocp.LIFECYCLE_ROUTES[row.route]
        assert (row.method, row.path, row.operation_id) == (method, path, operation_id)
        assert row.answer.startswith("200"), row.answer  # every kind of answer is put in words
        assert row.note
    assert "no data" in rows["task-rollback"].answer and "the task" in rows["task-rollback"].answer


# --- the layout --------------------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_the_real_charts_have_no_hidden_label(level: str) -> None:
    geometry = ChartGeometry(gap=220) if level == "task" else ChartGeometry()
    chart = lay_out(states(level), moves(level), geometry)
    assert [s.name for s in chart.states] == list(states(level))
    assert len(chart.moves) == len(moves(level))
    assert _problems(chart) == []


def test_the_overlap_check_sees_an_overlap() -> None:
    """The check above is not vacuous: two labels forced onto one spot are found."""
    chart = lay_out(states("subtask"), moves("subtask"))
    first = chart.moves[0]
    clash = DrawnMove(first.move, first.path, first.side, first.lane, chart.moves[1].label_x,
                        chart.moves[1].label_y, first.label_width, first.label_height, first.colour)
    assert _problems(StateChart(chart.states, [clash, *chart.moves[1:]], chart.width, chart.height,
                                chart.legend_top, chart.geometry))


_STATES = ("A", "B", "C", "D", "E")


@st.composite
def _move_sets(draw: st.DrawFn) -> list[Move]:
    count = draw(st.integers(1, 12))
    found = []
    for _ in range(count):
        source, target = draw(st.lists(st.sampled_from(_STATES), min_size=2, max_size=2, unique=True))
        lines = st.lists(st.text("abcdefgh XYZ", min_size=1, max_size=22), min_size=1, max_size=3)
        kind = draw(st.sampled_from([ENGINE, CALL, EFFECT]))
        found.append(Move("subtask", source, target, kind, tuple(draw(lines)), "t"))
    return found


@settings(max_examples=60, deadline=None)
@given(_move_sets())
def test_labels_never_overlap_each_other_or_a_state(chart_moves: list[Move]) -> None:
    chart = lay_out(_STATES, chart_moves)
    problems = [p for p in _problems(chart) if "hides a line" not in p]
    assert problems == []
    assert all(m.label_left >= 0 and m.label_left + m.label_width <= chart.width for m in chart.moves)
    assert all(m.label_top + m.label_height <= chart.legend_top for m in chart.moves)


def test_a_move_to_an_unknown_status_or_to_itself_is_refused() -> None:
    with pytest.raises(ValueError, match="no arc for the move"):
        lay_out(("A", "B"), [Move("task", "A", "Z", ENGINE, ("x",), "t")])
    with pytest.raises(ValueError, match="no arc for the move"):
        lay_out(("A", "B"), [Move("task", "A", "A", ENGINE, ("x",), "t")])


def test_text_width_grows_with_the_text_and_capitals_are_wider() -> None:
    assert text_width("abc", 11) < text_width("abcd", 11)
    assert text_width("aaaa", 11) < text_width("AAAA", 11)


# --- the drawing -------------------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_the_svg_names_every_state_and_call_and_is_accessible(level: str) -> None:
    svg = render_state_chart(states(level), moves(level), uid=f"t-{level}", title="Title", description="Text")
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == f"t-{level}-title t-{level}-desc"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "Title"
    drawn = [g.get("data-state") for g in root.iter(f"{SVG}g") if g.get("class") == "state"]
    assert drawn == list(states(level))
    labels = [g for g in root.iter(f"{SVG}g") if (g.get("class") or "").startswith("move-label")]
    assert len(labels) == len(moves(level))
    for label in labels:
        assert label.find(f"{SVG}title") is not None and label.findall(f"{SVG}text")
    calls = {route for g in labels for route in (g.get("data-calls") or "").split()}
    assert {c.route for c in ocp.CONTROL_CALLS if c.acts_on == level} <= calls


def test_the_reference_lifecycle_links_only_documented_calls() -> None:
    lifecycle = build_lifecycle(load_spec())
    assert [chart.level for chart in lifecycle.charts] == list(LEVELS)
    assert lifecycle.documented == frozenset(load_spec().operations)
    assert {row.route for row in lifecycle.calls} == {c.route for c in ocp.CONTROL_CALLS}
