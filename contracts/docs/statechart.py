"""Draw a lifecycle as a state chart: the states in a row, each move an arrow with a label.

An *arc diagram*: the states sit in one row, in the spec's order; a move to a state further
right arcs above the row, a move back arcs below it. Each arc leaves its state at a port of
its own, runs along a *lane* (a height above or below the row) and comes down (or up) into the
target. Its label is a pill on that horizontal run. Lanes are given out so that

* two runs in one lane never share an x-range (nor do their pills), and
* no arc's vertical leg passes through another arc's pill,

so no label covers another or hides a line; the browser test measures it. Ports on a side of
a box are ordered so that an outer arc lands nearer the middle of the side than an inner one, which
keeps nested arcs from crossing. Colours are the DAG pictures' (:mod:`contracts.docs.palette`);
markup lives in ``statechart.svg.j2``. A chart has a handful of states and a few dozen moves,
so lanes are found by trying each in turn (cubic in the moves at worst, which is nothing here).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from contracts.docs import palette
from contracts.docs.task_lifecycle import CALL, EFFECT, ENGINE, Move
from contracts.docs.templating import environment

__all__ = ["ChartGeometry", "DrawnMove", "DrawnState", "StateChart", "lay_out", "render_state_chart"]

_ABOVE, _BELOW = "above", "below"
#: Stroke colour of each kind of move; calls are also drawn thicker, effects dashed.
KIND_COLOURS = {ENGINE: "#6e7781", CALL: "#0550ae", EFFECT: "#0550ae"}
KIND_NAMES = {
    ENGINE: "the engine moves it by itself",
    CALL: "a control call moves it",
    EFFECT: "a call on the other level moves it",
}


@dataclass(frozen=True)
class ChartGeometry:
    """Sizes in SVG user units."""

    box_width: float = 112
    box_height: float = 40
    gap: float = 44
    margin: float = 16
    font_size: float = 11
    line_height: float = 13
    pad_x: float = 6
    pad_y: float = 3
    #: From a box's edge to the first lane, and from one lane to the next: at least this, more
    #: when the tallest label needs it (a pill never reaches a box or the next lane's pills).
    first_lane: float = 30
    lane_pitch: float = 40
    #: Free space kept between two things on one lane.
    clearance: float = 8
    legend_row: float = 18


@dataclass(frozen=True)
class DrawnState:
    name: str
    x: float
    y: float
    width: float
    height: float
    colours: palette.Colours
    tooltip: str


@dataclass(frozen=True)
class DrawnMove:
    """One arrow: its path, and its label pill (centre, size, lines)."""

    move: Move
    path: str
    side: str
    lane: int
    label_x: float
    label_y: float
    label_width: float
    label_height: float
    colour: str

    @property
    def kind(self) -> str:
        return self.move.kind

    @property
    def label_left(self) -> float:
        return self.label_x - self.label_width / 2

    @property
    def label_top(self) -> float:
        return self.label_y - self.label_height / 2


@dataclass(frozen=True)
class StateChart:
    states: list[DrawnState]
    moves: list[DrawnMove]
    width: float
    height: float
    legend_top: float
    geometry: ChartGeometry


def text_width(text: str, font_size: float) -> float:
    """A generous estimate of ``text``'s width in a sans-serif face (capitals are widest)."""
    em = sum(0.74 if c.isupper() else 0.64 if c.isdigit() else 0.34 if c in " .,:;|il" else 0.6 for c in text)
    return em * font_size


@dataclass
class _Arc:
    index: int  #: order of the move: a later arc of the same span lies outside an earlier one
    move: Move
    source: int
    target: int
    side: str
    span: int
    width: float
    height: float
    x1: float = 0.0
    x2: float = 0.0
    lane: int = -1
    centre: float = 0.0

    def pill(self, clearance: float) -> tuple[float, float]:
        return self.centre - self.width / 2 - clearance, self.centre + self.width / 2 + clearance

    def run(self, clearance: float) -> tuple[float, float]:
        left, right = self.pill(clearance)
        return min(left, self.x1, self.x2), max(right, self.x1, self.x2)


def _box_left(position: int, g: ChartGeometry) -> float:
    return g.margin + position * (g.box_width + g.gap)


def _assign_ports(arcs: list[_Arc], g: ChartGeometry) -> None:
    """Spread the arcs' ends along each box side so that nested arcs do not cross: an outer arc
    (longer, or later among equals) lands further towards the middle of the side than an inner
    one coming from the same direction, so its leg stays clear of the inner arc's run."""
    ends: dict[tuple[int, str], list[tuple[_Arc, bool]]] = {}
    for arc in arcs:
        ends.setdefault((arc.source, arc.side), []).append((arc, True))
        ends.setdefault((arc.target, arc.side), []).append((arc, False))
    for (position, _), found in ends.items():
        def other(end: tuple[_Arc, bool]) -> int:
            return end[0].target if end[1] else end[0].source

        left = sorted((e for e in found if other(e) < position), key=lambda e: (e[0].span, e[0].index))
        right = sorted((e for e in found if other(e) > position), key=lambda e: (-e[0].span, -e[0].index))
        ordered = left + right
        for slot, (arc, is_source) in enumerate(ordered):
            x = _box_left(position, g) + g.box_width * (slot + 1) / (len(ordered) + 1)
            if is_source:
                arc.x1 = x
            else:
                arc.x2 = x


def _place_pills(arcs: list[_Arc], g: ChartGeometry) -> None:
    """Centre each pill on its run, or slide it along the run to clear the legs of the other arcs
    on its side (the nearest such place to the middle): a long run has room for that."""
    for arc in arcs:
        legs = [x for o in arcs if o is not arc and o.side == arc.side for x in (o.x1, o.x2)]
        low, high = min(arc.x1, arc.x2), max(arc.x1, arc.x2)
        middle, reach = (low + high) / 2, arc.width / 2 + g.clearance + 0.5
        candidates = [middle, *(x + side * reach for x in legs for side in (-1.0, 1.0))]
        clear = [c for c in candidates if low <= c <= high and not any(abs(x - c) < reach for x in legs)]
        arc.centre = min(clear, key=lambda c: abs(c - middle)) if clear else middle


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _assign_lanes(arcs: list[_Arc], g: ChartGeometry) -> None:
    """Give each arc the lowest lane that keeps its run apart from the others on that lane and
    lies above every arc whose vertical leg its pill would cover (those legs then end below it).

    Arcs are taken in an order that places those "must be lower" arcs first, shortest arcs
    first among the free ones; an arc caught in a cycle of such demands (two pills each over
    the other's leg, which no lane order can settle) is taken shortest first, and the browser
    test would show the overlap."""
    for side in (_ABOVE, _BELOW):
        group = [arc for arc in arcs if arc.side == side]
        lower: dict[int, list[_Arc]] = {}
        for arc in group:
            pill = arc.pill(g.clearance)
            lower[arc.index] = [
                o for o in group if o is not arc and any(pill[0] <= x <= pill[1] for x in (o.x1, o.x2))
            ]
        remaining = {arc.index: arc for arc in group}
        placed: list[_Arc] = []
        while remaining:
            free = [a for a in remaining.values() if not any(o.index in remaining for o in lower[a.index])]
            arc = min(free or remaining.values(), key=lambda a: (a.span, a.index))
            lane = 1 + max((o.lane for o in lower[arc.index] if o.lane >= 0), default=-1)
            run = arc.run(g.clearance)
            while any(o.lane == lane and _overlap(o.run(g.clearance), run) for o in placed):
                lane += 1
            arc.lane = lane
            placed.append(arc)
            del remaining[arc.index]


def _path(arc: _Arc, lane_y: float, start_y: float, end_y: float) -> str:
    up = -1.0 if arc.side == _ABOVE else 1.0
    direction = 1.0 if arc.x2 > arc.x1 else -1.0
    r = min(8.0, abs(arc.x2 - arc.x1) / 2)
    x1, x2 = arc.x1, arc.x2
    return (
        f"M{x1:.1f},{start_y:.1f} L{x1:.1f},{lane_y - up * r:.1f} "
        f"Q{x1:.1f},{lane_y:.1f} {x1 + direction * r:.1f},{lane_y:.1f} "
        f"L{x2 - direction * r:.1f},{lane_y:.1f} Q{x2:.1f},{lane_y:.1f} {x2:.1f},{lane_y - up * r:.1f} "
        f"L{x2:.1f},{end_y:.1f}"
    )


def lay_out(
    statuses: Sequence[str], moves: Sequence[Move], geometry: ChartGeometry | None = None
) -> StateChart:
    """Place ``statuses`` in a row and route every move; a move from or to an unknown status, or
    from a status to itself, is a :class:`ValueError` (the tables are wrong)."""
    g = geometry or ChartGeometry()
    position = {status: index for index, status in enumerate(statuses)}
    arcs = []
    for index, move in enumerate(moves):
        if move.source not in position or move.target not in position or move.source == move.target:
            raise ValueError(f"no arc for the move {move.source} → {move.target} among {', '.join(statuses)}")
        source, target = position[move.source], position[move.target]
        width = max((text_width(line, g.font_size) for line in move.label), default=0.0) + 2 * g.pad_x
        side = _ABOVE if target > source else _BELOW
        height = len(move.label) * g.line_height + 2 * g.pad_y
        arcs.append(_Arc(index, move, source, target, side, abs(target - source), width, height))
    _assign_ports(arcs, g)
    _place_pills(arcs, g)
    _assign_lanes(arcs, g)
    lanes_above = 1 + max((a.lane for a in arcs if a.side == _ABOVE), default=-1)
    lanes_below = 1 + max((a.lane for a in arcs if a.side == _BELOW), default=-1)
    tallest = max((a.height for a in arcs), default=0.0)
    first = max(g.first_lane, tallest / 2 + g.clearance)
    pitch = max(g.lane_pitch, tallest + g.clearance)

    def reach(lanes: int) -> float:  # from a box edge to the outer edge of its outermost pill
        return first + (lanes - 1) * pitch + tallest / 2 if lanes else 0.0

    row_top = g.margin + reach(lanes_above)
    row_bottom = row_top + g.box_height
    # the pills may reach past the row's ends: shift everything right by what sticks out on the left
    lefts = [a.pill(0)[0] for a in arcs] + [g.margin]
    rights = [a.pill(0)[1] for a in arcs] + [_box_left(len(statuses) - 1, g) + g.box_width]
    shift = g.margin - min(lefts)
    drawn_moves = []
    for arc in arcs:
        arc.x1, arc.x2, arc.centre = arc.x1 + shift, arc.x2 + shift, arc.centre + shift
        offset = first + arc.lane * pitch
        above = arc.side == _ABOVE
        lane_y = row_top - offset if above else row_bottom + offset
        edge_y = row_top if above else row_bottom
        drawn_moves.append(DrawnMove(
            arc.move, _path(arc, lane_y, edge_y, edge_y), arc.side, arc.lane, arc.centre, lane_y,
            arc.width, arc.height, KIND_COLOURS[arc.move.kind],
        ))
    drawn_states = [
        DrawnState(status, _box_left(index, g) + shift, row_top, g.box_width, g.box_height,
                   palette.colours(status), f"{status}: {_summary(status, moves)}")
        for index, status in enumerate(statuses)
    ]
    legend_top = row_bottom + reach(lanes_below) + g.margin
    height = legend_top + len(KIND_NAMES) * g.legend_row + g.margin / 2
    return StateChart(drawn_states, drawn_moves, max(rights) + shift + g.margin, height, legend_top, g)


def _summary(status: str, moves: Sequence[Move]) -> str:
    leaving = sum(1 for m in moves if m.source == status)
    entering = sum(1 for m in moves if m.target == status)
    return f"{entering} moves lead here, {leaving} lead away"


def _uid(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", text) or "statechart"


def render_state_chart(statuses: Sequence[str], moves: Sequence[Move], *, uid: str, title: str,
                       description: str = "", geometry: ChartGeometry | None = None) -> str:
    """The SVG markup of the state chart of ``statuses`` and ``moves``."""
    chart = lay_out(statuses, moves, geometry)
    template = environment().get_template("statechart.svg.j2")
    kinds = [(kind, KIND_COLOURS[kind], KIND_NAMES[kind]) for kind in (ENGINE, CALL, EFFECT)]
    return template.render(uid=_uid(uid), chart=chart, title=title, description=description, kinds=kinds)
