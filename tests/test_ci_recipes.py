"""The CI recipes in ``examples/ci/`` are valid YAML and name only commands and options that exist."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts.cli import COMMANDS, build_parser

RECIPES = sorted((Path(__file__).resolve().parent.parent / "examples" / "ci").glob("*.yml"))


#: Keys whose values are shell: GitHub's ``run``, GitLab's ``script`` and ``before_script``.
_SHELL_KEYS = {"run", "script", "before_script"}


def _strings(node: Any) -> Iterator[str]:
    """Every shell line of a parsed recipe, iteratively."""
    stack: list[tuple[Any, bool]] = [(node, False)]
    while stack:
        item, shell = stack.pop()
        if isinstance(item, str) and shell:
            yield item
        elif isinstance(item, dict):
            stack.extend((value, key in _SHELL_KEYS) for key, value in item.items())
        elif isinstance(item, list):
            stack.extend((value, shell) for value in item)


def _invocations(document: Any) -> list[list[str]]:
    """The words of each ``ocp-contract`` call in the recipe's shell lines."""
    calls = []
    for text in _strings(document):
        for line in text.splitlines():
            words = shlex.split(line.split(">", 1)[0].split("&&", 1)[0])
            if words[:1] == ["ocp-contract"]:
                calls.append(words[1:])
    return calls


def _options(help_text: str) -> set[str]:
    return {word.strip("[],") for word in help_text.split() if word.strip("[],").startswith("--")}


def test_there_is_a_github_and_a_gitlab_recipe() -> None:
    assert {path.name for path in RECIPES} == {"github-actions.yml", "gitlab-ci.yml"}


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda path: path.name)
def test_the_recipe_names_only_commands_and_options_that_exist(recipe: Path) -> None:
    document = yaml.safe_load(recipe.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    calls = _invocations(document)
    assert {"run", "check-spec", "--version"} <= {words[0] for words in calls}
    parser = build_parser()
    top = parser.format_help()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    names = {command.name for command in COMMANDS}
    for words in calls:
        if words[0].startswith("--"):
            assert words[0] in _options(top), words
            continue
        assert words[0] in names, words
        known = _options(subparsers.choices[words[0]].format_help())
        for word in words[1:]:
            if word.startswith("--"):
                assert word.split("=", 1)[0] in known, (recipe.name, words[0], word)


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda path: path.name)
def test_the_recipe_runs_against_the_mock_per_commit_and_staging_nightly_with_secrets(recipe: Path) -> None:
    text = recipe.read_text(encoding="utf-8")
    calls = _invocations(yaml.safe_load(text))
    runs = [words for words in calls if words[0] == "run"]
    assert any("--base-url" not in words for words in runs), "a run against the embedded mock"
    assert any("--base-url" in words for words in runs), "a run against staging"
    assert all("--junit-xml" in words for words in runs)
    assert "schedule" in text and "OCP_PASSWORD" in text
    assert "--allow-upgrade" not in " ".join(" ".join(words) for words in runs)


def _install_lines(document: Any) -> list[str]:
    return [line for text in _strings(document) for line in text.splitlines() if "pip install" in line]


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda path: path.name)
def test_the_recipe_installs_the_suite_from_a_checkout_not_by_an_unpublished_name(recipe: Path) -> None:
    """The distribution is not on a public index, so ``pip install <its name>`` fails there."""
    from contracts.cli import DISTRIBUTION

    lines = _install_lines(yaml.safe_load(recipe.read_text(encoding="utf-8")))
    assert lines, "the recipe installs the suite"
    for line in lines:
        target = shlex.split(line)[-1]
        assert target != DISTRIBUTION and target.startswith(("./", "/", "git+")), line
