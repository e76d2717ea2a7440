"""Which part of the suite catches each of the mock's named faults — data for the fault-proof test
and the README's table (``python -m contracts.run.fault_table`` prints it as Markdown).

Each fault is proven in the narrowest phase that provokes it, so the proof is fast and shows that
both the schemathesis checks and the workflow do their part: body faults in the **examples**
phase (the spec's own examples already reach a 200 upgrade and the seeded FAILED task), faults
between polls in the **workflow** (it follows tasks and re-reads finished ones), faults of the
HTTP exchange in the **coverage** phase (it sends the missing bodies and non-numeric ids), the
ignored-credentials fault in the workflow's deliberate no-credentials probes, and the failure
path's faults in the **drill** phase (its drills retry, roll back, skip and cancel).
"""

from __future__ import annotations

from contracts.mock import FAULTS
from contracts.run.judging.judge import CONTRACT, HTTP, TRANSITIONS
from contracts.run.phases.exchange import LIFECYCLE

_BY_CAUGHT_BY = {
    "validate_response": "examples",
    "check_transition": "workflow",
    "http": "coverage",
    "lifecycle": "drill",
}
_OVERRIDES = {
    "premature-failure": "workflow",  # needs a task followed while one branch fails
    "credentials-ignored": "workflow",  # the probes without credentials
    "wrong-content-type": "examples",  # every answer carries it
    "unknown-cluster-accepted": "workflow",  # only the workflow proves an id absent first
    "unknown-task-accepted": "workflow",  # likewise for a task id
    "skip-any-state": "workflow",  # the calls OCP refuses on the workflow's SUCCESSFUL task
    "cancel-any-state": "workflow",
}


def proving_phase(fault: str) -> str:
    """The phase of the suite that the fault-proof test runs for ``fault``."""
    return _OVERRIDES.get(fault, _BY_CAUGHT_BY[FAULTS[fault].caught_by])


def check_for_rule(rule: str) -> str:
    """The schemathesis check (and report test case) that reports ``rule``."""
    if rule.startswith("transition.") or rule == "http.task-not-found-after-create":
        return TRANSITIONS
    if rule.split(".", 1)[0] in ("control", "effect", "servers"):
        return LIFECYCLE
    return HTTP if rule.startswith("http.") else CONTRACT


def markdown() -> str:
    """The fault → detecting rule table, one row per fault."""
    lines = ["| fault | what the mock does | detecting rule | check | phase |", "|---|---|---|---|---|"]
    for name, fault in FAULTS.items():
        rule = fault.expected
        lines.append(
            f"| `{name}` | {fault.description} | `{rule}` | `{check_for_rule(rule)}` | "
            f"{proving_phase(name)} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(markdown())
