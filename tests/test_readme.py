"""What the README shows works as shown."""

from __future__ import annotations

import re
from pathlib import Path

from contracts.mock import FAULTS
from contracts.mock.inventory import load_inventory

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_inventory_example_loads_as_described(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("The inventory file:", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert block
    path = tmp_path / "inventory.yaml"
    path.write_text(block.group(1), encoding="utf-8")
    inventory = load_inventory(path)
    assert [s.fail_at for s in inventory.clusters[0].servers] == [None, "install"]
    assert inventory.users[0].access_key == "my-ak" and not inventory.demo


def test_the_fault_table_lists_every_fault_of_the_mock_with_the_rule_that_catches_it() -> None:
    """The README's `--fault` table is the mock's registry, row for row (no fault missing or stale)."""
    text = README.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z0-9-]+)` \| .*? \| `([a-z0-9.-]+)` \|$", text, re.MULTILINE))
    assert rows == {name: fault.expected for name, fault in FAULTS.items()}
