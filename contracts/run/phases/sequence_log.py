"""The workflow's exchanges as sequences for the lifecycle rules, and the control calls it made.

Every exchange the workflow sends with its path parameters is fed, in order, to one
:class:`~contracts.rules.lifecycle.LifecycleChecker`: each control call is judged against the
task's last observed state, and at :meth:`SequenceLog.finish` the effects of the accepted calls on
later polls and the named servers' versions around each upgrade. A sequence is the workflow, or
one drill: a drill's cluster read after its task ended is never held against an earlier task of
the same servers.

The log also knows which tasks the run created and which control calls it had accepted on them
since their last poll, so two polls of such a task are compared knowing every call in between
(``transition.task-left-terminal`` unless one was accepted); tasks of others are not, as someone
else may have retried them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contracts.ocp import id_or_none
from contracts.rules.lifecycle import LifecycleChecker, Observation, accepted_call
from contracts.rules.transitions import AcceptedCall
from contracts.validate import UnfaithfulBody, parse_body
from contracts.violations import Violation

#: Path parameters of an exchange, as the lifecycle rules take them.
Params = Mapping[str, int | tuple[int, ...]]


class SequenceLog:
    """One sequence of exchanges at a time, with where each came from (operation, title, curl)."""

    def __init__(self) -> None:
        self._checker = LifecycleChecker()
        self._entries: list[tuple[str, str, str]] = []
        self._accepted: dict[int, list[AcceptedCall]] = {}
        self._own: set[int] = set()

    def calls_since_last_poll(self, operation: str, params: Params | None) -> list[AcceptedCall] | None:
        """The calls accepted on one of the run's own tasks since its last poll (consumed); ``None``
        (not known) for any other exchange."""
        task = params.get("taskInstanceId") if operation == "task" and params is not None else None
        if not isinstance(task, int) or task not in self._own:
            return None
        return self._accepted.pop(task, [])

    def observe(
        self,
        operation: str,
        params: Params,
        status: int,
        body: Any,
        sent: bytes | None,
        where: tuple[str, str],
    ) -> list[Violation]:
        """Feed one exchange (``where``: its title and curl); the violations it shows at once."""
        observation = Observation(operation, params, status, body, _json(sent))
        self._entries.append((operation, *where))
        found = self._checker.observe(observation)
        task = params.get("taskInstanceId")
        call = accepted_call(observation)
        if call is not None and isinstance(task, int):
            self._accepted.setdefault(task, []).append(call)
        data = body.get("data") if isinstance(body, dict) and 200 <= status < 300 else None
        created = id_or_none(data.get("id")) if operation == "upgrade" and isinstance(data, dict) else None
        if created is not None:
            self._own.add(created)
        return found

    def finish(self) -> tuple[list[tuple[str, str, str, Violation]], list[str]]:
        """End the sequence: each late violation with the operation, title and curl of the exchange
        it points into, and what could not be judged; the next exchanges start a new sequence."""
        found = [(*self._entries[index], violation) for index, violation in self._checker.finish()]
        notes = self._checker.not_judged()
        self._checker, self._entries = LifecycleChecker(), []
        return found, notes


def _json(body: bytes | None) -> Any:
    """A request body as the lifecycle rules read it (the upgrade's ``shortRpmName``)."""
    if not body:
        return None
    try:
        return parse_body(body)
    except UnfaithfulBody:
        return None
