"""``run --save-shape`` against the embedded mock writes a shape that ``compare`` reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.cli import main
from contracts.shapes import compare, load_shape


def test_run_against_the_mock_saves_its_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "mock-shape.json"
    assert main(["run", "--max-examples", "2", "--seed", "1", "--save-shape", str(saved)]) == 0
    assert f"wrote {saved}" in capsys.readouterr().out
    shape = load_shape(saved)
    upgrade = shape.operations["upgradeObproxies"][200]
    assert "READY" in upgrade.enums["/data/subtasks/*/status"]
    assert upgrade.properties["/data/subtasks/*/upstreams/*"] == {"integer"}
    assert shape.meta["target"].startswith("embedded mock")
    assert compare(shape, shape) == []
    assert shape.collection["seed"] == "1" and shape.collection["allowUpgrade"] == "no"
    assert shape.collection["phases"].split(",")[0] and shape.collection["upgradeTarget"] == "none"
