"""One request of the workflow, sent through the gate, judged once, its body parsed once.

:class:`Exchanges` sends a request with the run's session, asks the three judges of
:mod:`contracts.run.judging.judge` about the answer and records their verdicts into
:class:`~contracts.run.judging.results.Results`. It hands back a :class:`Reply`: the answer
and the body *the judges parsed*, so the workflow reads each poll once (its report included).

An operation the run's spec does not document is sent, but not judged: there is nothing to hold
it to. Every judged answer is counted in the coverage grid (operation id × HTTP status,
:meth:`Results.count_exchange`).

An exchange sent with its path parameters is also fed to the lifecycle rules (check
``ocp_lifecycle``) through the run's :class:`~contracts.run.phases.sequence_log.SequenceLog`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import requests
from requests.auth import AuthBase

from contracts.auth import curl_command
from contracts.ocp import LIFECYCLE_ROUTES, ROUTES
from contracts.run.judging import judge
from contracts.run.judging.history import TaskHistory, task_id_of
from contracts.run.judging.results import Finding, Results
from contracts.run.phases.sequence_log import Params, SequenceLog
from contracts.run.profile import RunProfile
from contracts.run.wire.politeness import MIN_REQUEST_WINDOW, Deadline
from contracts.run.wire.rejection import WireRequest
from contracts.run.wire.safety import UpgradeBlocked
from contracts.validate import UnfaithfulBody, parse_body
from contracts.violations import Violation

#: The check the lifecycle rules (``control.*``, ``effect.*``, ``servers.*``) are reported under.
LIFECYCLE = "ocp_lifecycle"
#: Every operation of the contract by the short name the workflow uses → its operationId.
OPERATION_IDS: dict[str, str] = {short: op for short, (_, _, op) in {**ROUTES, **LIFECYCLE_ROUTES}.items()}


def operation_id(operation: str) -> str:
    """``upgrade`` → ``upgradeObproxies``; an operationId is returned as it is."""
    return OPERATION_IDS.get(operation, operation)


@dataclass(frozen=True)
class Reply:
    """One answer and its body as the judges read it (``None`` when it is no faithful JSON)."""

    operation: str
    response: requests.Response
    body: Any

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def data(self) -> Any:
        """The envelope's ``data``, or ``None``."""
        return self.body.get("data") if isinstance(self.body, dict) else None

    @property
    def error(self) -> dict[str, Any]:
        error = self.body.get("error") if isinstance(self.body, dict) else None
        return error if isinstance(error, dict) else {}

    @property
    def error_code(self) -> int | None:
        """``error.code`` as a number (OCP sends it as an integer or a numeric string)."""
        return task_id_of(self.error.get("code"))

    def message(self) -> str:
        """`` ("Resource not found: …")`` — OCP's error message, if the body carries one."""
        text = self.error.get("message")
        return f" ({str(text)[:200]!r})" if text else ""

    def task_id(self) -> int | None:
        """The id of the task in ``data`` (an upgrade's or a retry's answer)."""
        data = self.data
        return task_id_of(data.get("id")) if isinstance(data, dict) else None


#: What the caller expects of an answer: the violations it finds in a :class:`Reply`.
Expectation = Callable[[Reply], Iterable[Violation]]


class Exchanges:
    """Sends, judges and records the workflow's requests against one base URL."""

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        results: Results,
        *,
        strict: bool,
        known: Any,
        deadline: Deadline,
        profile: RunProfile,
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.results = results
        self.strict = strict
        self.known = known
        self.deadline = deadline
        self.profile = profile
        self.history = TaskHistory()
        self.sequence = SequenceLog()
        #: The phase the exchanges count under (``workflow``, ``drill``).
        self.phase = "workflow"

    def documents(self, operation: str) -> bool:
        """Whether the run's spec documents ``operation`` (short name or operationId)."""
        return operation_id(operation) in self.profile.spec.operations

    def send(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        title: str,
        body: bytes | None = None,
        content_type: str | None = "application/json",
        auth: AuthBase | None = None,
        expect: Expectation | None = None,
        params: Params | None = None,
    ) -> Reply | None:
        """Send and judge one request; ``None`` when the guard kept it back (it says so itself).

        ``expect`` judges the answer by what the caller knows of the request (an id a read proved
        absent, a state OCP refuses): its violations are recorded under the ``ocp_http`` check.
        ``params`` (the path parameters) feed the exchange to the lifecycle rules.
        """
        if not self.deadline.allows(MIN_REQUEST_WINDOW):
            raise self.deadline.reached("the workflow's requests")
        headers = {"Content-Type": content_type} if body is not None and content_type else {}
        started = time.perf_counter()
        try:
            response = self.session.request(
                method, self.base_url + path, data=body, headers=headers, auth=auth
            )
        except UpgradeBlocked:
            return None  # the guard recorded it; it is reported as kept back, not as a result
        elapsed = time.perf_counter() - started
        if not self.documents(operation):
            return Reply(operation, response, _parsed(response))
        self.results.count_case(self.phase)
        self.results.count_exchange(operation_id(operation), response.status_code)
        return self._judge(operation, response, title, elapsed, expect, params, body)

    def _judge(
        self,
        operation: str,
        response: requests.Response,
        title: str,
        elapsed: float,
        expect: Expectation | None,
        params: Params | None = None,
        sent: bytes | None = None,
    ) -> Reply:
        observed = judge.Observed(
            operation if operation in ROUTES else operation_id(operation),
            WireRequest.from_prepared(response.request),
            response.status_code,
            dict(response.headers),
            response.content,
        )
        verdicts = {
            judge.CONTRACT: judge.contract(observed, strict=self.strict, spec=self.profile.spec),
            judge.HTTP: judge.http(observed, known=self.known, upgrade_body=self.profile.upgrade_body),
            judge.TRANSITIONS: judge.transitions(
                observed, self.history, accepted_calls=self.sequence.calls_since_last_poll(operation, params)
            ),
        }
        parsed = observed.body()
        exchange = Reply(operation, response, None if isinstance(parsed, UnfaithfulBody) else parsed)
        if expect is not None:
            verdicts[judge.HTTP] += list(expect(exchange))
        curl = _curl(response.request)
        if params is not None:
            verdicts[LIFECYCLE] = self.sequence.observe(
                operation, params, exchange.status, exchange.body, sent, (title, curl)
            )
        for check, found in verdicts.items():
            if check == LIFECYCLE or judge.applies(check, observed.operation):
                self.record(operation, check, title, found, curl, elapsed)
        return exchange

    def finish(self) -> None:
        """End one sequence (the workflow, or one drill) for the lifecycle rules: each late
        violation recorded on the exchange it points into, what could not be judged a note."""
        found, notes = self.sequence.finish()
        for operation, title, curl, violation in found:
            self.record(operation, LIFECYCLE, f"{title} (judged at the end)", [violation], curl)
        self.results.notes.extend(f"lifecycle: {note}" for note in notes)

    def record(
        self,
        operation: str,
        check: str,
        title: str,
        found: Iterable[Violation],
        curl: str = "",
        elapsed: float = 0.0,
    ) -> None:
        """One check's verdict on one exchange: a pass, or a finding with its errors."""
        found = list(found)
        errors = tuple(v for v in found if v.is_error)
        self.results.warnings.update((operation, v.rule) for v in found if not v.is_error)
        if errors:
            self.results.failed(Finding(operation, check, "workflow", title, errors, curl), elapsed=elapsed)
        else:
            self.results.passed(operation, check, elapsed=elapsed)


def _parsed(response: requests.Response) -> Any:
    """The body of an answer no judge read (``None`` when it is no faithful JSON)."""
    try:
        return parse_body(response.content)
    except UnfaithfulBody:
        return None


def _curl(request: requests.PreparedRequest) -> str:
    body = request.body if isinstance(request.body, bytes | str) else None
    return curl_command(request.method or "GET", request.url or "", dict(request.headers), body)
