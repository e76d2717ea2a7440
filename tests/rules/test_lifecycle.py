"""The failure path across exchanges: preconditions, refusals, effects and the named servers.

Each faithful sequence (a retried task that re-opens, a rolled-back one, a skipped subtask, a
cancelled one, an upgrade seen on its servers) yields nothing; each broken clause yields exactly
its rule id, at its pointer, in the exchange it points into.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.rules.lifecycle import LifecycleChecker, Observation, accepted_call, check_lifecycle
from contracts.rules.servers import PackageVersion, package_version, version_matches
from contracts.rules.transitions import AcceptedCall
from tests.factories import make_subtask, make_task

Task = dict[str, Any]
TASK = 33149
T1, T2, T3 = "2021-09-03T16:32:00+08:00", "2021-09-03T16:33:00+08:00", "2021-09-03T16:34:00+08:00"


def _task(
    first: str, second: str, third: str, *, status: str, operation: str = "EXECUTE", **extra: Any
) -> Task:
    """A chain 1 → 2 → 3 (3 is the finish node)."""
    subtasks = [
        make_subtask(id=1, status=first, downstreams=[2]),
        make_subtask(id=2, status=second, upstreams=[1], downstreams=[3]),
        make_subtask(id=3, status=third, upstreams=[2]),
    ]
    return make_task(id=TASK, subtasks=subtasks, status=status, operation=operation, **extra)


def _with(task: Task, subtask: int, **fields: Any) -> Task:
    changed = copy.deepcopy(task)
    changed["subtasks"][subtask - 1].update(fields)
    return changed


def _envelope(status: int = 200, data: object = None, code: object = None) -> dict[str, Any]:
    body: dict[str, Any] = {"successful": 200 <= status < 300, "status": status}
    if data is not None:
        body["data"] = data
    if code is not None:
        body["error"] = {"code": code, "message": "refused"}
    return body


def poll(task: Task | None, status: int = 200) -> Observation:
    return Observation(
        "task", {"taskInstanceId": TASK}, status, _envelope(status, task, 20000 if task is None else None)
    )


def call(
    route: str, *, subtask: int | None = None, status: int = 200, data: object = None, code: object = None
) -> Observation:
    params: dict[str, int | tuple[int, ...]] = {"taskInstanceId": TASK}
    if subtask is not None:
        params["subtaskInstanceId"] = subtask
    return Observation(route, params, status, _envelope(status, data, code))


RUNNING_TASK = _task("SUCCESSFUL", "RUNNING", "PENDING", status="RUNNING")
FAILED_TASK = _with(
    _task("SUCCESSFUL", "FAILED", "PENDING", status="FAILED", finishTime=T1), 2, finishTime=T1
)
SUCCESSFUL_TASK = _task("SUCCESSFUL", "SUCCESSFUL", "SUCCESSFUL", status="SUCCESSFUL", finishTime=T3)
RETRIED_ANSWER = _with(
    _task("SUCCESSFUL", "READY", "PENDING", status="RUNNING", operation="RETRY"),
    2,
    operation="RETRY",
    runTime=2,
)
RETRIED_RUNNING = _with(RETRIED_ANSWER, 2, status="RUNNING")
RETRIED_DONE = _with(
    _task("SUCCESSFUL", "SUCCESSFUL", "SUCCESSFUL", status="SUCCESSFUL", operation="RETRY", finishTime=T3),
    2,
    operation="RETRY",
    runTime=2,
)
ROLLING_BACK = _with(
    _with(
        _task("SUCCESSFUL", "RUNNING", "PENDING", status="RUNNING", operation="ROLLBACK"),
        1,
        operation="ROLLBACK",
    ),
    2,
    operation="ROLLBACK",
)
ROLLED_BACK = _with(
    _with(
        _task("PENDING", "PENDING", "PENDING", status="SUCCESSFUL", operation="ROLLBACK", finishTime=T3),
        1,
        operation="ROLLBACK",
    ),
    2,
    operation="ROLLBACK",
)
SKIPPED_RUNNING = _with(_task("SUCCESSFUL", "SUCCESSFUL", "RUNNING", status="RUNNING"), 2, operation="SKIP")
SKIPPED_DONE = _with(
    _task("SUCCESSFUL", "SUCCESSFUL", "SUCCESSFUL", status="SUCCESSFUL", finishTime=T3), 2, operation="SKIP"
)
CANCELING = _with(RUNNING_TASK, 2, status="CANCELING", operation="CANCEL")
CANCELLED = _with(
    _task("SUCCESSFUL", "FAILED", "PENDING", status="FAILED", finishTime=T2),
    2,
    operation="CANCEL",
    finishTime=T2,
)


def _pairs(observations: list[Observation], **options: Any) -> list[tuple[int, str, str]]:
    result = check_lifecycle(observations, **options)
    return sorted((index, v.rule, v.pointer) for index, v in result.violations)


# --- faithful sequences pass -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "sequence",
    [
        pytest.param(
            [
                poll(FAILED_TASK),
                call("task-retry", data=RETRIED_ANSWER),
                poll(RETRIED_RUNNING),
                poll(RETRIED_DONE),
            ],
            id="retried-task-re-opens",
        ),
        pytest.param(
            [poll(FAILED_TASK), call("task-rollback"), poll(ROLLING_BACK), poll(ROLLED_BACK)],
            id="rolled-back",
        ),
        pytest.param(
            [poll(FAILED_TASK), call("task-rollback", data=ROLLING_BACK), poll(ROLLED_BACK)],
            id="rolled-back-answering-the-task",
        ),
        pytest.param(
            [poll(FAILED_TASK), call("subtask-skip", subtask=2), poll(SKIPPED_RUNNING), poll(SKIPPED_DONE)],
            id="skipped-subtask",
        ),
        pytest.param(
            [poll(RUNNING_TASK), call("subtask-cancel", subtask=2), poll(CANCELING), poll(CANCELLED)],
            id="cancelled-subtask",
        ),
        pytest.param(
            [
                poll(FAILED_TASK),
                call("subtask-retry", subtask=2, data=RETRIED_ANSWER["subtasks"][1] | {"id": 2}),
                poll(_with(RETRIED_RUNNING, 2, runTime=1)),
            ],
            id="retried-subtask-runs",
        ),
        pytest.param(
            [poll(SUCCESSFUL_TASK), call("task-retry", status=400, code=20003)],
            id="retry-of-successful-task-refused",
        ),
        pytest.param(
            [poll(SUCCESSFUL_TASK), call("task-retry", status=400, code="20003")],
            id="refusal-code-as-a-string",
        ),
        pytest.param(
            [
                poll(_task("SUCCESSFUL", "FAILED", "PENDING", status="FAILED", prohibitRollback=True)),
                call("task-rollback", status=400, code=20004),
            ],
            id="prohibited-rollback-refused",
        ),
        pytest.param(
            [poll(None, status=404), call("task-retry", status=404, code=20000)], id="unknown-task-refused"
        ),
        pytest.param(
            [
                poll(FAILED_TASK),
                Observation(
                    "subtask-log",
                    {"taskInstanceId": TASK, "subtaskInstanceId": 99},
                    200,
                    _envelope(200, {"log": ""}),
                ),
            ],
            id="empty-log-of-an-unknown-subtask-as-ocp-express-answers",
        ),
        pytest.param(
            [poll(SUCCESSFUL_TASK), call("task-retry", status=403, code=30014)], id="permission-denied"
        ),
    ],
)
def test_faithful_sequences_pass(sequence: list[Observation]) -> None:
    assert _pairs(sequence) == []


# --- each broken clause: exactly its rule, at its pointer ----------------------------------------


@pytest.mark.parametrize(
    ("sequence", "expected"),
    [
        pytest.param(
            [poll(SUCCESSFUL_TASK), call("task-retry", data=SUCCESSFUL_TASK)],
            [(1, "control.retry-out-of-state", "/status")],
            id="retry-of-successful-task",
        ),
        pytest.param(
            [
                poll(_task("SUCCESSFUL", "FAILED", "PENDING", status="FAILED", operation="ROLLBACK")),
                call("task-retry"),
            ],
            [(1, "control.retry-out-of-state", "/status")],
            id="retry-of-rolled-back-task",
        ),
        pytest.param(
            [poll(SUCCESSFUL_TASK), call("task-rollback")],
            [(1, "control.rollback-out-of-state", "/status")],
            id="rollback-of-successful-task",
        ),
        pytest.param(
            [
                poll(_task("SUCCESSFUL", "FAILED", "PENDING", status="FAILED", prohibitRollback=True)),
                call("task-rollback"),
            ],
            [(1, "control.rollback-prohibited", "/status")],
            id="prohibited-rollback-accepted",
        ),
        pytest.param(
            [poll(FAILED_TASK), call("subtask-retry", subtask=1)],
            [(1, "control.subtask-retry-out-of-state", "/status")],
            id="retry-of-successful-subtask",
        ),
        pytest.param(
            [poll(FAILED_TASK), call("subtask-skip", subtask=1)],
            [(1, "control.skip-out-of-state", "/status")],
            id="skip-of-successful-subtask",
        ),
        pytest.param(
            [poll(_with(FAILED_TASK, 2, prohibitSkip=True)), call("subtask-skip", subtask=2)],
            [(1, "control.skip-out-of-state", "/status")],
            id="skip-prohibited",
        ),
        pytest.param(
            [poll(FAILED_TASK), call("subtask-cancel", subtask=2)],
            [(1, "control.cancel-out-of-state", "/status")],
            id="cancel-of-failed-subtask",
        ),
        pytest.param(
            [poll(None, status=404), call("task-retry", data=FAILED_TASK)],
            [(1, "control.unknown-id-accepted", "/status")],
            id="retry-of-absent-task",
        ),
        pytest.param(
            [poll(FAILED_TASK), call("subtask-skip", subtask=99)],
            [(1, "control.unknown-id-accepted", "/status")],
            id="skip-of-subtask-seen-nowhere",
        ),
        pytest.param(
            [
                poll(FAILED_TASK),
                Observation(
                    "subtask-log",
                    {"taskInstanceId": TASK, "subtaskInstanceId": 99},
                    200,
                    _envelope(200, {"log": "invented"}),
                ),
            ],
            [(1, "control.unknown-id-accepted", "/status")],
            id="log-of-subtask-seen-nowhere",
        ),
        pytest.param(
            [poll(SUCCESSFUL_TASK), call("task-retry", status=400, code=20000)],
            [(1, "control.refusal-mismatch", "/error/code")],
            id="refusal-with-wrong-code",
        ),
        pytest.param(
            [poll(SUCCESSFUL_TASK), call("task-retry", status=404, code=20000)],
            [(1, "control.refusal-mismatch", "/status")],
            id="refusal-with-wrong-status",
        ),
        pytest.param(
            [poll(None, status=404), call("task-rollback", status=400, code=20003)],
            [(1, "control.refusal-mismatch", "/status")],
            id="unknown-task-refused-as-wrong-state",
        ),
        pytest.param(
            [poll(FAILED_TASK), call("task-retry", status=400, code=20003)],
            [(1, "control.refusal-mismatch", "/status")],
            id="allowed-retry-refused",
        ),
        pytest.param(
            [call("task-retry", status=409, code=0)],
            [(0, "control.refusal-mismatch", "/status")],
            id="undocumented-refusal-state-unknown",
        ),
        pytest.param(
            [poll(FAILED_TASK), call("task-retry", data=RETRIED_ANSWER | {"id": 1}), poll(RETRIED_DONE)],
            [(1, "control.answer-other-task", "/data/id")],
            id="retry-answers-another-task",
        ),
        pytest.param(
            [poll(FAILED_TASK), call("subtask-retry", subtask=2, data={"id": 3}), poll(RETRIED_DONE)],
            [(1, "control.answer-other-task", "/data/id")],
            id="subtask-retry-answers-another-subtask",
        ),
        pytest.param(
            [poll(FAILED_TASK), call("task-retry", data=RETRIED_ANSWER), poll(FAILED_TASK)],
            [(2, "effect.retry-ignored", "/data/operation")],
            id="retry-ignored",
        ),
        pytest.param(
            [
                poll(FAILED_TASK),
                call("task-retry", data=RETRIED_ANSWER),
                poll(
                    _with(
                        _task("SUCCESSFUL", "FAILED", "PENDING", status="FAILED", operation="RETRY"),
                        2,
                        finishTime=T1,
                    )
                ),
            ],
            [(2, "effect.retry-ignored", "/data/subtasks/1/status")],
            id="retry-runs-nothing-again",
        ),
        pytest.param(
            [poll(FAILED_TASK), call("task-rollback"), poll(FAILED_TASK)],
            [(2, "effect.rollback-incomplete", "/data/status")],
            id="rollback-ignored",
        ),
        pytest.param(
            [poll(FAILED_TASK), call("task-rollback"), poll(_with(ROLLED_BACK, 2, status="SUCCESSFUL"))],
            [(2, "effect.rollback-incomplete", "/data/subtasks/1/status")],
            id="rollback-leaves-a-subtask-done",
        ),
        pytest.param(
            [
                poll(FAILED_TASK),
                call("subtask-skip", subtask=2),
                poll(_with(FAILED_TASK, 2, operation="SKIP")),
            ],
            [(2, "effect.skip-ignored", "/data/subtasks/1/status")],
            id="skip-ignored",
        ),
        pytest.param(
            [
                poll(RUNNING_TASK),
                call("subtask-cancel", subtask=2),
                poll(RUNNING_TASK),
                poll(SUCCESSFUL_TASK),
            ],
            [(3, "effect.cancel-ignored", "/data/subtasks/1/status")],
            id="cancel-ignored",
        ),
        pytest.param(
            [
                poll(RUNNING_TASK),
                call("subtask-cancel", subtask=2),
                poll(_task("SUCCESSFUL", "SUCCESSFUL", "RUNNING", status="RUNNING")),
            ],
            [(2, "effect.cancel-ignored", "/data/subtasks/1/status")],
            id="cancelled-subtask-succeeds-while-the-task-runs",
        ),
        pytest.param(
            [
                poll(FAILED_TASK),
                call("subtask-retry", subtask=2),
                poll(_with(FAILED_TASK, 2, operation="RETRY")),
            ],
            [(2, "effect.subtask-retry-ignored", "/data/subtasks/1/status")],
            id="subtask-retry-ignored",
        ),
    ],
)
def test_each_broken_clause_has_its_rule(
    sequence: list[Observation], expected: list[tuple[int, str, str]]
) -> None:
    assert _pairs(sequence) == sorted(expected)


# --- what cannot be judged is said ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("sequence", "said"),
    [
        ([call("task-retry")], "never observed"),
        ([poll(RUNNING_TASK), call("task-retry")], "may have moved since"),
        ([poll(FAILED_TASK), call("task-retry")], "not polled after it"),
        ([poll(FAILED_TASK), call("task-retry"), poll(RETRIED_ANSWER)], "not seen yet"),
        ([poll(FAILED_TASK), call("task-retry", status=503)], "not a refusal by state"),
        (
            [
                poll(FAILED_TASK),
                call("task-rollback"),
                poll(_with(ROLLING_BACK | {"status": "FAILED"}, 2, status="FAILED")),
            ],
            "failed while being undone",
        ),
        ([Observation("task-retry", {}, 200, None)], "could not be read"),
    ],
)
def test_what_cannot_be_judged_is_said(sequence: list[Observation], said: str) -> None:
    result = check_lifecycle(sequence)
    assert result.violations == ()
    assert any(said in note for note in result.not_judged), result.not_judged


def test_the_checker_reports_each_exchange_as_it_comes() -> None:
    checker = LifecycleChecker()
    assert checker.observe(poll(SUCCESSFUL_TASK)) == []
    assert [v.rule for v in checker.observe(call("task-retry"))] == ["control.retry-out-of-state"]
    assert checker.finish() == []
    assert checker.finish() == []  # finishing again judges the same


def test_accepted_calls_for_the_transitions() -> None:
    assert accepted_call(call("task-retry")) == AcceptedCall("task-retry")
    assert accepted_call(call("subtask-skip", subtask=2)) == AcceptedCall("subtask-skip", 2)
    assert accepted_call(call("task-retry", status=400, code=20003)) is None
    assert accepted_call(poll(FAILED_TASK)) is None


# --- the servers against the upgrade -------------------------------------------------------------

CLUSTER = 7
OLD, NEW = "1.9.0.0-1800000", "obproxy-1.9.1.1-1919579"


def cluster(*servers: tuple[int, str, str]) -> Observation:
    data = {
        "id": CLUSTER,
        "obproxies": [{"id": key, "version": version, "status": status} for key, version, status in servers],
    }
    return Observation("cluster", {"id": CLUSTER}, 200, _envelope(200, data))


def upgrade(task: Task) -> Observation:
    return Observation(
        "upgrade", {"id": CLUSTER, "obproxyIds": (1, 2)}, 200, _envelope(200, task), {"shortRpmName": NEW}
    )


CREATED = _task("READY", "PENDING", "PENDING", status="RUNNING")
BEFORE = cluster((1, OLD, "RUNNING"), (2, OLD, "RUNNING"), (3, OLD, "RUNNING"))
DURING = cluster((1, OLD, "UPGRADING"), (2, OLD, "UPGRADING"), (3, OLD, "RUNNING"))
AFTER = cluster((1, "1.9.1.1", "RUNNING"), (2, "1.9.1.1-1919579", "RUNNING"), (3, OLD, "RUNNING"))


@pytest.mark.parametrize(
    ("sequence", "expected"),
    [
        pytest.param(
            [
                BEFORE,
                upgrade(CREATED),
                poll(RUNNING_TASK),
                DURING,
                poll(RUNNING_TASK),
                poll(SUCCESSFUL_TASK),
                AFTER,
            ],
            [],
            id="faithful",
        ),
        pytest.param(
            [BEFORE, upgrade(CREATED), poll(RUNNING_TASK), BEFORE, poll(RUNNING_TASK)],
            [
                (3, "servers.not-upgrading", "/data/obproxies/0/status"),
                (3, "servers.not-upgrading", "/data/obproxies/1/status"),
            ],
            id="not-upgrading",
        ),
        pytest.param(
            [
                BEFORE,
                upgrade(CREATED),
                poll(SUCCESSFUL_TASK),
                cluster((1, OLD, "RUNNING"), (2, "1.9.1.1", "RUNNING")),
            ],
            [(3, "servers.not-upgraded", "/data/obproxies/0/version")],
            id="not-upgraded",
        ),
        pytest.param(
            [
                BEFORE,
                upgrade(CREATED),
                poll(SUCCESSFUL_TASK),
                cluster((1, "1.9.1.1", "UPGRADING"), (2, "1.9.1.1", "RUNNING")),
            ],
            [(3, "servers.still-upgrading", "/data/obproxies/0/status")],
            id="still-upgrading",
        ),
        pytest.param(
            [
                BEFORE,
                upgrade(CREATED),
                poll(FAILED_TASK),
                cluster((1, "1.9.1.1", "RUNNING"), (2, OLD, "RUNNING")),
            ],
            [],
            id="failed-upgrade-finished-on-one-server",
        ),
        pytest.param(
            [
                BEFORE,
                upgrade(CREATED),
                poll(FAILED_TASK),
                cluster((1, "2.0.0", "RUNNING"), (2, OLD, "RUNNING")),
            ],
            [(3, "servers.version-changed", "/data/obproxies/0/version")],
            id="failed-upgrade-changed-version",
        ),
        pytest.param(
            [BEFORE, upgrade(CREATED), poll(FAILED_TASK), call("task-rollback"), poll(ROLLED_BACK), AFTER],
            [
                (5, "servers.version-changed", "/data/obproxies/0/version"),
                (5, "servers.version-changed", "/data/obproxies/1/version"),
            ],
            id="rolled-back-but-upgraded",
        ),
        pytest.param(
            [BEFORE, upgrade(CREATED), poll(FAILED_TASK), call("task-rollback"), poll(ROLLED_BACK), BEFORE],
            [],
            id="rolled-back-faithfully",
        ),
    ],
)
def test_servers(sequence: list[Observation], expected: list[tuple[int, str, str]]) -> None:
    assert _pairs(sequence) == sorted(expected)


def test_an_explicit_version_replaces_the_inference() -> None:
    sequence = [
        BEFORE,
        upgrade(CREATED),
        poll(SUCCESSFUL_TASK),
        cluster((1, "V2", "RUNNING"), (2, "V2", "RUNNING")),
    ]
    assert [rule for _, rule, _ in _pairs(sequence)] == ["servers.not-upgraded", "servers.not-upgraded"]
    assert _pairs(sequence, expected_version="2.0") == [
        (3, "servers.not-upgraded", "/data/obproxies/0/version"),
        (3, "servers.not-upgraded", "/data/obproxies/1/version"),
    ]
    sequence[-1] = cluster((1, "2.0-7", "RUNNING"), (2, "OBProxy 2.0", "RUNNING"))
    assert _pairs(sequence, expected_version="2.0") == []


@pytest.mark.parametrize(
    ("sequence", "said"),
    [
        ([upgrade(CREATED), poll(SUCCESSFUL_TASK)], "were not read after it ended"),
        ([upgrade(CREATED), poll(FAILED_TASK), AFTER], "not read before it"),
        ([BEFORE, upgrade(CREATED), poll(SKIPPED_DONE), AFTER], "skipped a subtask"),
    ],
)
def test_servers_not_judged_are_said(sequence: list[Observation], said: str) -> None:
    result = check_lifecycle(sequence)
    assert result.violations == ()
    assert any(said in note for note in result.not_judged), result.not_judged


def test_no_package_version_is_said() -> None:
    plain = Observation("upgrade", {"id": CLUSTER, "obproxyIds": 1}, 200, _envelope(200, CREATED))
    result = check_lifecycle([BEFORE, plain, poll(SUCCESSFUL_TASK), AFTER])
    assert result.violations == ()
    assert any("no package version" in note for note in result.not_judged)


@pytest.mark.parametrize(
    ("package", "expected"),
    [
        ("obproxy-1.9.1.1-1919579", PackageVersion("1.9.1.1", "1919579")),
        ("obproxy-ce-4.2.1.0-11", PackageVersion("4.2.1.0", "11")),
        ("obproxy-3.2.3", PackageVersion("3.2.3")),
        ("obproxy", None),
        (None, None),
    ],
)
def test_package_versions(package: object, expected: PackageVersion | None) -> None:
    assert package_version(package) == expected


@pytest.mark.parametrize(
    ("reported", "matches"),
    [
        ("1.9.1.1", True),
        ("1.9.1.1-1919579", True),
        ("OBProxy 1.9.1.1", True),
        ("1.9.1.1_1919579", True),
        ("1.9.1.10", False),
        ("11.9.1.1", False),
        ("1.9.1.1-1919580", False),
        ("1.9.1", False),
        (None, False),
        (1911, False),
    ],
)
def test_version_matching_is_lenient_but_whole(reported: object, matches: bool) -> None:
    assert version_matches(reported, PackageVersion("1.9.1.1", "1919579")) is matches


# --- total over whatever a server sends ----------------------------------------------------------

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.sampled_from(["FAILED", "RUNNING", "SUCCESSFUL", "x"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["data", "id", "status", "subtasks", "operation", "error", "code", "obproxies", "version"]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)
_ROUTES = st.sampled_from(
    [
        "upgrade",
        "task",
        "tasks",
        "cluster",
        "task-retry",
        "task-rollback",
        "subtask-log",
        "subtask-retry",
        "subtask-skip",
        "subtask-cancel",
        "other",
    ]
)
_OBSERVATIONS = st.builds(
    Observation,
    _ROUTES,
    st.fixed_dictionaries(
        {},
        optional={
            "id": st.integers(0, 3),
            "taskInstanceId": st.integers(0, 3),
            "subtaskInstanceId": st.integers(0, 3),
            "obproxyIds": st.tuples(st.integers(0, 3)),
        },
    ),
    st.sampled_from([200, 400, 404, 500]),
    _JSON,
    _JSON,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_OBSERVATIONS, max_size=8))
def test_any_sequence_is_judged_without_raising(sequence: list[Observation]) -> None:
    result = check_lifecycle(sequence)
    assert all(0 <= index < len(sequence) for index, _ in result.violations)
    assert all(v.rule.split(".")[0] in {"control", "effect", "servers"} for _, v in result.violations)


# --- the less common paths ---------------------------------------------------------------------------

OTHER_TASK = make_task(id=5, subtasks=[make_subtask(id=99, status="FAILED")], status="FAILED", finishTime=T1)


def test_a_subtask_of_another_task_is_not_judged_as_absent() -> None:
    """OCP Express acts on a subtask id alone, whatever task the path names."""
    other = Observation("task", {"taskInstanceId": 5}, 200, _envelope(200, OTHER_TASK))
    result = check_lifecycle([other, poll(FAILED_TASK), call("subtask-skip", subtask=99)])
    assert result.violations == ()
    assert any("seen elsewhere" in note for note in result.not_judged)


def test_a_retry_of_a_subtask_under_rollback_is_refused() -> None:
    under = _with(FAILED_TASK, 2, operation="ROLLBACK")
    assert _pairs([poll(under), call("subtask-retry", subtask=2)]) == [
        (1, "control.subtask-retry-out-of-state", "/status")
    ]
    assert _pairs([poll(under), call("subtask-retry", subtask=2, status=400, code=20003)]) == []


def test_a_log_read_refused_otherwise_than_documented() -> None:
    log = Observation(
        "subtask-log", {"taskInstanceId": TASK, "subtaskInstanceId": 2}, 400, _envelope(400, code=10001)
    )
    assert _pairs([poll(FAILED_TASK), log]) == [(1, "control.refusal-mismatch", "/status")]
    unknown = Observation("subtask-log", {"taskInstanceId": TASK}, 200, _envelope(200, {"log": "x"}))
    assert _pairs([poll(FAILED_TASK), unknown]) == []


def test_a_poll_of_another_task_than_asked_is_not_its_poll() -> None:
    wrong = Observation("task", {"taskInstanceId": TASK}, 200, _envelope(200, OTHER_TASK))
    result = check_lifecycle([poll(FAILED_TASK), call("task-retry"), wrong])
    assert any("not polled after it" in note for note in result.not_judged)


@pytest.mark.parametrize(
    ("route", "subtask", "again"),
    [
        ("task-retry", None, _with(RETRIED_ANSWER, 2, status="FAILED")),
        ("subtask-retry", 2, _with(FAILED_TASK, 2, operation="RETRY", finishTime=None)),
    ],
)
def test_a_retry_failing_again_without_times_is_said(route: str, subtask: int | None, again: Task) -> None:
    before = _with(FAILED_TASK, 2, finishTime=None)
    again = copy.deepcopy(again) | {"status": "FAILED", "finishTime": T3}
    again["subtasks"][1].pop("finishTime", None)
    result = check_lifecycle([poll(before), call(route, subtask=subtask), poll(again)])
    assert result.violations == ()
    assert any("without times" in note for note in result.not_judged), result.not_judged


def test_a_retry_failing_again_with_a_new_finish_time_ran() -> None:
    again = _with(RETRIED_ANSWER, 2, status="FAILED", finishTime=T3) | {"status": "FAILED", "finishTime": T3}
    assert _pairs([poll(FAILED_TASK), call("task-retry"), poll(again)]) == []
    assert _pairs([poll(FAILED_TASK), call("subtask-retry", subtask=2), poll(again)]) == []


def test_a_subtask_gone_from_the_later_polls() -> None:
    gone = copy.deepcopy(FAILED_TASK)
    gone["subtasks"] = gone["subtasks"][:1]
    assert _pairs([poll(FAILED_TASK), call("subtask-skip", subtask=2), poll(gone)]) == [
        (2, "effect.skip-ignored", "/data/subtasks")
    ]
    assert _pairs([poll(FAILED_TASK), call("subtask-retry", subtask=2), poll(gone)]) == [
        (2, "effect.subtask-retry-ignored", "/data/subtasks")
    ]


def test_a_retry_of_a_task_without_failed_subtasks_is_judged_by_the_task() -> None:
    odd = FAILED_TASK | {"subtasks": []}
    assert _pairs([poll(odd), call("task-retry"), poll(odd | {"operation": "RETRY"})]) == []


def test_an_upgrade_refused_or_unreadable_starts_nothing() -> None:
    refused = Observation("upgrade", {"id": CLUSTER, "obproxyIds": (1,)}, 400, _envelope(400, code=10001))
    nameless = Observation("upgrade", {"id": CLUSTER}, 200, _envelope(200, {"status": "RUNNING"}))
    assert check_lifecycle([refused, nameless, AFTER]) == check_lifecycle([])


def test_a_failed_rollback_may_be_rolled_back_again_and_skipped_through() -> None:
    """OCP Express's ``rollbackTask`` checks the state and ``prohibitRollback`` only; its
    ``skipSubtask`` passes a subtask failed under a rollback as ROLLBACK_SKIP."""
    failed_rollback = _with(
        _task("SUCCESSFUL", "FAILED", "PENDING", status="FAILED", operation="ROLLBACK", finishTime=T2),
        2,
        operation="ROLLBACK",
    )
    assert _pairs([poll(failed_rollback), call("task-rollback"), poll(ROLLED_BACK)]) == []
    skipped = _with(ROLLED_BACK, 2, operation="ROLLBACK_SKIP")
    assert _pairs([poll(failed_rollback), call("subtask-skip", subtask=2), poll(skipped)]) == []
    assert _pairs([poll(failed_rollback), call("task-rollback", status=400, code=20003)]) == [
        (1, "control.refusal-mismatch", "/status")
    ]


def test_an_id_read_as_absent_before_its_task_was_created_is_no_longer_absent() -> None:
    sequence = [poll(None, status=404), upgrade(CREATED), poll(FAILED_TASK), call("task-retry")]
    assert _pairs(sequence) == []


def test_a_later_upgrade_of_the_same_server_speaks_for_it_from_then_on() -> None:
    later = {**_task("READY", "PENDING", "PENDING", status="RUNNING"), "id": TASK + 1}
    again = Observation(
        "upgrade", {"id": CLUSTER, "obproxyIds": (1,)}, 200, _envelope(200, later), {"shortRpmName": NEW}
    )
    busy = cluster((1, "1.9.1.1", "UPGRADING"), (2, "1.9.1.1", "RUNNING"), (3, OLD, "RUNNING"))
    sequence = [BEFORE, upgrade(CREATED), poll(SUCCESSFUL_TASK), AFTER, again, busy]
    assert _pairs(sequence) == []
    # without the later upgrade the same read is still a finding
    assert _pairs([BEFORE, upgrade(CREATED), poll(SUCCESSFUL_TASK), busy]) == [
        (3, "servers.still-upgrading", "/data/obproxies/0/status")
    ]


@pytest.mark.parametrize("route", ["task-retry", "subtask-retry", "subtask-skip", "subtask-cancel"])
def test_a_path_id_below_one_may_be_refused_by_parameter_validation(route: str) -> None:
    params: dict[str, int | tuple[int, ...]] = {"taskInstanceId": 0}
    if route.startswith("subtask"):
        params = {"taskInstanceId": TASK, "subtaskInstanceId": 0}
    refused = Observation(route, params, 400, _envelope(400, code=10001))
    assert _pairs([poll(FAILED_TASK), refused]) == []
    # a valid id refused with the validation code is still a mismatch
    valid: dict[str, int | tuple[int, ...]] = {"taskInstanceId": TASK}
    if route.startswith("subtask"):
        valid["subtaskInstanceId"] = 2
    wrong = Observation(route, valid, 400, _envelope(400, code=10001))
    assert [rule for _, rule, _ in _pairs([poll(FAILED_TASK), wrong])] == ["control.refusal-mismatch"]
