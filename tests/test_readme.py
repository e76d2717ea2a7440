"""What the README and the guide show works as shown: the README stays short, the inventory
example loads, the fault table is the mock's registry."""

from __future__ import annotations

import re
from pathlib import Path

from contracts.mock import FAULTS
from contracts.mock.inventory import load_inventory

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
GUIDE = ROOT / "docs" / "guide.md"
#: The README says what the suite is, how to set it up and the three ways it is used; the rest
#: is in the guide.
README_MAX_LINES = 150


def test_the_readme_is_short_and_sends_the_reader_to_the_guide() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= README_MAX_LINES
    assert "make contract" in text and "make test" in text
    for way in ("In CI", "Before an OCP upgrade", "As documentation"):
        assert way in text
    assert "docs/guide.md" in text


def test_every_link_into_the_guide_names_a_heading_of_it() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    anchors = {
        re.sub(r"[^a-z0-9 -]", "", heading.strip().lower()).replace(" ", "-")
        for heading in re.findall(r"^#+ (.+)$", guide, re.MULTILINE)
    }
    for document in (README, GUIDE):
        for anchor in re.findall(
            r"\(docs/guide\.md#([a-z0-9-]+)\)|\]\(#([a-z0-9-]+)\)", document.read_text()
        ):
            name = anchor[0] or anchor[1]
            assert name in anchors, (document.name, name)


def test_the_inventory_example_loads_as_described(tmp_path: Path) -> None:
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split("The inventory file:", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert block
    path = tmp_path / "inventory.yaml"
    path.write_text(block.group(1), encoding="utf-8")
    inventory = load_inventory(path)
    assert [s.fail_at for s in inventory.clusters[0].servers] == [None, "install"]
    assert inventory.users[0].access_key == "my-ak" and not inventory.demo


def test_the_fault_table_lists_every_fault_of_the_mock_with_the_rule_that_catches_it() -> None:
    """The guide's `--fault` table is the mock's registry, row for row (no fault missing or stale)."""
    text = GUIDE.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z0-9-]+)` \| .*? \| `([a-z0-9.-]+)` \|$", text, re.MULTILINE))
    assert rows == {name: fault.expected for name, fault in FAULTS.items()}


def test_the_compare_recipes_save_both_shapes_with_the_same_seed() -> None:
    """Shapes from different seeds are not comparable, and compare then misses breaking enum
    changes: every recipe that saves shapes to compare saves them with one seed."""
    for document in (README, GUIDE):
        for block in re.findall(r"```sh\n(.*?)```", document.read_text(encoding="utf-8"), re.DOTALL):
            saves = [line for line in block.splitlines() if "--save-shape" in line]
            if not saves:
                continue
            seeds = {match.group(1) for line in saves if (match := re.search(r"--seed (\d+)", line))}
            assert len(saves) == 2 and len(seeds) == 1, (document.name, saves)
            assert "ocp-contract compare" in block
