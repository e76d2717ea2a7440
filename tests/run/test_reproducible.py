"""``--seed`` reproduces a run: the same requests, in the same order — in CI too.

Hypothesis loads its ``ci`` profile (derandomised, no example database) when ``CI=true``; the run
uses no example database and takes its randomness from the seed alone, so a CI run and a local
run with the same seed send the same requests. CI detection happens when Hypothesis is imported,
hence the fresh interpreters.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from contracts.run import RunConfig, RunResult, run_suite

pytestmark = pytest.mark.slow  # whole runs, twice each; `make test-slow` runs them
ROOT = Path(__file__).resolve().parents[2]
_CI_VARIABLES = (
    "CI",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "BUILDKITE",
    "CIRCLECI",
    "JENKINS_URL",
    "TF_BUILD",
    "TRAVIS",
)
_DIGEST = """
import hashlib
from contracts.run import RunConfig, run_suite
result = run_suite(RunConfig(seed=11, max_examples=3))
digest = hashlib.sha256()
for e in result.exchanges:
    digest.update(f"{e.method} {e.url} ".encode() + (e.request_body or b"") + b"\\n")
print(len(result.exchanges), digest.hexdigest())
"""


def digest(result: RunResult) -> str:
    """What was sent, in order: method, URL and body of every exchange."""
    value = hashlib.sha256()
    for exchange in result.exchanges:
        value.update(f"{exchange.method} {exchange.url} ".encode() + (exchange.request_body or b"") + b"\n")
    return value.hexdigest()


def _digest_in_fresh_process(*, ci: bool) -> str:
    env = {k: v for k, v in os.environ.items() if k not in _CI_VARIABLES}
    if ci:
        env["CI"] = "true"
    done = subprocess.run(
        [sys.executable, "-c", _DIGEST],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip()


def test_the_same_seed_sends_the_same_requests() -> None:
    first, second = run_suite(RunConfig(seed=3, max_examples=3)), run_suite(RunConfig(seed=3, max_examples=3))
    assert digest(first) == digest(second)
    assert digest(first) != digest(run_suite(RunConfig(seed=4, max_examples=3)))


def test_ci_and_local_runs_agree() -> None:
    assert _digest_in_fresh_process(ci=True) == _digest_in_fresh_process(ci=False)


def test_the_seed_is_reported_when_none_was_given() -> None:
    result = run_suite(RunConfig(max_examples=1).with_phases("workflow"))
    assert isinstance(result.seed, int)
    assert result.seed >= 0
