"""compare: each kind of difference, marked breaking or not for a client written against OLD."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contracts.cli import main
from contracts.shapes import Shape, compare, load_shape
from contracts.shapes.compare import Comparability, comparability

SHAPES = Path(__file__).resolve().parent.parent / "data" / "shapes"
OLD = SHAPES / "ocp-4.2.2.json"
NEW = SHAPES / "ocp-next.json"


def _shape(
    properties: dict[str, list[str]],
    *,
    enums: dict[str, list[str]] | None = None,
    status: int = 200,
    headers: tuple[str, ...] = (),
) -> Shape:
    entry = {"responses": 1, "headers": list(headers), "properties": properties, "enums": enums or {}}
    return Shape.from_dict(
        {"format": "ocp-contract-shape/1", "collection": ALIKE, "operations": {"op": {str(status): entry}}}
    )


#: how every hand-built shape was collected, unless a test says otherwise
ALIKE = {"seed": "1", "phases": "examples", "maxExamples": "2"}


BASE = {"": ["object"], "/data": ["object"], "/data/id": ["integer"], "/data/status": ["string"]}


@pytest.mark.parametrize(
    ("new", "kind", "path", "breaking"),
    [
        # what a client written against OLD trips over
        pytest.param(
            _shape({k: v for k, v in BASE.items() if k != "/data/id"}),
            "property-removed",
            "/data/id",
            True,
            id="removed-property",
        ),
        pytest.param(
            _shape({**BASE, "/data/id": ["string"]}), "type-changed", "/data/id", True, id="changed-type"
        ),
        pytest.param(
            _shape({**BASE, "/data/id": ["integer", "string"]}),
            "type-changed",
            "/data/id",
            True,
            id="widened-type",
        ),
        pytest.param(
            _shape(BASE, enums={"/data/status": ["RUNNING", "PAUSED"]}),
            "enum-value-added",
            "/data/status",
            True,
            id="new-enum-value",
        ),
        pytest.param(
            _shape(BASE, headers=()), "header-removed", "ratelimit-limit", True, id="removed-header"
        ),
        # what it may ignore
        pytest.param(
            _shape({**BASE, "/data/extra": ["boolean"]}),
            "property-added",
            "/data/extra",
            False,
            id="added-property",
        ),
        pytest.param(
            _shape(BASE, enums={"/data/status": []}),
            "enum-value-unseen",
            "/data/status",
            False,
            id="enum-value-unseen",
        ),
    ],
)
def test_each_kind_of_difference(new: Shape, kind: str, path: str, breaking: bool) -> None:
    old = _shape(BASE, enums={"/data/status": ["RUNNING"]}, headers=("ratelimit-limit",))
    if kind != "header-removed":
        for entry in new.operations["op"].values():
            entry.headers = {"ratelimit-limit"}
    if kind not in {"enum-value-added", "enum-value-unseen"}:
        new.operations["op"][200].enums = {"/data/status": ["RUNNING"]}
    found = [(d.kind, d.path, d.breaking) for d in compare(old, new)]
    assert found == [(kind, path, breaking)]


def test_narrowed_type_does_not_break() -> None:
    old = _shape({**BASE, "/data/id": ["integer", "string"]})
    [difference] = compare(old, _shape(BASE))
    assert (difference.kind, difference.breaking) == ("type-narrowed", False)


def test_a_new_status_code_breaks_and_an_unseen_one_does_not() -> None:
    old = _shape(BASE)
    new = _shape(BASE)
    new.operations["op"][409] = _shape(BASE, status=409).operations["op"][409]
    assert [(d.kind, d.status, d.breaking) for d in compare(old, new)] == [("status-added", 409, True)]
    assert [(d.kind, d.status, d.breaking) for d in compare(new, old)] == [("status-unseen", 409, False)]


def test_removed_object_is_reported_once_at_its_top() -> None:
    old = _shape(
        {**BASE, "/data/cluster": ["object"], "/data/cluster/id": ["integer"], "/data/clusterId": ["integer"]}
    )
    paths = [d.path for d in compare(old, _shape({**BASE, "/data/clusterId": ["integer"]}))]
    assert paths == ["/data/cluster"]


def test_operations_that_come_and_go() -> None:
    old = _shape(BASE)
    new = Shape.from_dict(
        {"format": "ocp-contract-shape/1", "collection": ALIKE, "operations": {"other": {}}}
    )
    found = {(d.kind, d.operation, d.breaking) for d in compare(old, new)}
    assert found == {("operation-removed", "op", True), ("operation-added", "other", False)}


def test_identical_shapes_have_no_difference() -> None:
    assert compare(load_shape(OLD), load_shape(OLD)) == []


def test_the_saved_shapes_differ_in_the_four_breaking_ways() -> None:
    kinds = {(d.kind, d.path) for d in compare(load_shape(OLD), load_shape(NEW)) if d.breaking}
    assert ("property-removed", "/data/executor") in kinds
    assert ("enum-value-added", "/data/subtasks/*/status") in kinds
    assert ("type-changed", "/data/subtasks/*/runTime") in kinds
    assert ("status-added", "") in kinds


def test_compare_command_text_exits_1_on_breaking(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(OLD), str(NEW)]) == 1
    out = capsys.readouterr().out
    assert "BREAKING  upgradeObproxies 409" in out
    assert "new status code 409" in out
    assert 'new enum value "PAUSED"' in out
    assert "ok        upgradeObproxies 200     /data/subtasks/*/prohibitSkip: new property (boolean)" in out
    assert out.rstrip().endswith("breaks clients written against OLD")


def test_compare_command_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--format", "json", str(OLD), str(NEW)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["breaking"] == sum(1 for item in report["items"] if item["breaking"]) > 0
    assert {"operation", "status", "kind", "path", "breaking", "message"} <= set(report["items"][0])


def test_compare_command_exits_0_when_nothing_breaks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(OLD), str(OLD)]) == 0
    assert "same shape" in capsys.readouterr().out


def test_compare_command_exits_2_on_unusable_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    assert main(["compare", str(OLD), str(bad)]) == 2
    assert "is not a shape file" in capsys.readouterr().err
    assert main(["compare", str(tmp_path / "absent.json"), str(OLD)]) == 2


# --- shapes collected differently: only what both runs saw is compared -----------------------


def _collected(shape: Shape, **collection: str) -> Shape:
    shape.collection = {**ALIKE, **collection}
    return shape


def test_what_one_run_exercised_and_the_other_did_not_is_no_difference() -> None:
    """A coverage difference (an operation, status, property or enum value only one run saw)
    is not the target's doing when the runs sent different requests: never BREAKING."""
    old = _shape(BASE, enums={"/data/status": ["RUNNING"]}, headers=("ratelimit-limit",))
    new = _shape({k: v for k, v in BASE.items() if k != "/data/id"}, enums={"/data/status": ["FAILED"]})
    new.operations["op"][409] = _shape(BASE, status=409).operations["op"][409]
    new.operations["other"] = {}
    assert {d.kind for d in compare(old, new)} >= {"property-removed", "status-added", "enum-value-added"}
    _collected(new, seed="2")
    assert compare(old, new) == []
    assert comparability(old, new) == Comparability(False, ("seed 1 in OLD, 2 in NEW",))


def test_a_type_change_is_reported_however_the_runs_were_collected() -> None:
    old = _shape(BASE)
    new = _collected(_shape({**BASE, "/data/id": ["string"]}), phases="examples,fuzzing")
    assert [(d.kind, d.path, d.breaking) for d in compare(old, new)] == [("type-changed", "/data/id", True)]


def test_a_shape_that_does_not_record_its_collection_is_not_comparable() -> None:
    old = _shape(BASE)
    new = _shape({k: v for k, v in BASE.items() if k != "/data/id"})
    new.collection = {}
    assert compare(old, new) == []
    assert comparability(old, new).reasons == ("NEW does not record how it was collected",)


def test_the_command_says_when_shapes_are_not_comparable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = json.loads(NEW.read_text())
    other["collection"]["seed"] = "7"
    moved = tmp_path / "other-seed.json"
    moved.write_text(json.dumps(other))
    assert main(["compare", str(OLD), str(moved)]) == 1  # runTime's type still changed
    out = capsys.readouterr().out
    assert out.startswith(
        "not comparable: the runs were collected differently (seed 20240415 in OLD, 7 in NEW)"
    )
    assert "new status code 409" not in out and "no longer sent" not in out
    assert "BREAKING  getTaskInstance 200      /data/subtasks/*/runTime: type integer → string" in out
    assert main(["compare", "--format", "json", str(OLD), str(moved)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["comparable"] is False and report["notComparableBecause"] == [
        "seed 20240415 in OLD, 7 in NEW"
    ]
