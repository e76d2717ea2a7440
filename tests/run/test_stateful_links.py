"""The stateful phase walks the failure path: links from a read task to its retry, rollback, log
and subtask calls are added to the document schemathesis loads (the spec itself is unchanged)."""

from __future__ import annotations

from collections import Counter

from contracts.ocp import LIFECYCLE_ROUTES
from contracts.run import RunConfig, run_suite
from contracts.run.phases.engine import with_failure_path_links
from contracts.run.profile import run_profile
from contracts.spec import load_spec


def test_a_read_task_links_to_every_call_of_the_failure_path() -> None:
    document = with_failure_path_links(run_profile().schema_document())
    task = document["paths"]["/api/v2/tasks/instances/{taskInstanceId}"]["get"]["responses"]["200"]
    targets = {link["operationId"] for link in task["links"].values()}
    control = {op for method, _, op in LIFECYCLE_ROUTES.values() if op in load_spec().operations}
    assert control - {"getObproxyCluster"} <= targets
    log = next(link for link in task["links"].values() if link["operationId"] == "getSubtaskLog")
    assert log["parameters"] == {
        "taskInstanceId": "$request.path.taskInstanceId",
        "subtaskInstanceId": "$response.body#/data/subtasks/0/id",
    }
    assert (
        "links"
        not in load_spec().document["paths"]["/api/v2/tasks/instances/{taskInstanceId}"]["get"]["responses"][
            "200"
        ]
    ), "the loaded spec is left as written"


def test_a_document_without_the_task_read_is_left_alone() -> None:
    assert with_failure_path_links({"paths": {}}) == {"paths": {}}


def test_the_stateful_phase_reaches_the_failure_path_on_the_embedded_mock() -> None:
    result = run_suite(RunConfig(seed=1, max_examples=10).with_phases("stateful"))
    assert result.exit_code in (0, 3), result.results.findings
    reached = Counter(op for (op, _), n in result.results.exchanged.items() for _ in range(n))
    failure_path = {op for _, _, op in LIFECYCLE_ROUTES.values()} - {"getObproxyCluster"}
    assert len(failure_path & set(reached)) >= 3, reached
