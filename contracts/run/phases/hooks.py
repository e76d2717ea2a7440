"""Schemathesis hooks of a live run: the safety decision made early, before a request is built.

* ``filter_case`` (schema-scoped; honoured by the coverage, fuzzing and stateful phases): a case
  the guard would block is not generated, and is recorded as kept back ("plan"). The case's own
  credentials are not known yet, so it is judged as if it carried the run's valid ones — the
  cautious reading.
* ``before_call`` (global in schemathesis; acts only while a run's gate is active): the same
  decision on the case about to be sent, for any transport that bypasses ``requests``.

Neither replaces the gate (:mod:`contracts.run.wire.gate`), which sees every request that leaves.
"""

from __future__ import annotations

from typing import Any

import requests
import schemathesis

from contracts.run.wire.gate import active_gate
from contracts.run.wire.rejection import CredentialsCase, WireRequest, credentials_of
from contracts.run.wire.safety import BlockedRequest, SafetyGuard, UpgradeBlocked

_REQUEST_KEYS = ("method", "url", "headers", "files", "data", "params", "cookies", "json")


def case_request(case: Any, base_url: str) -> WireRequest:
    """The request a case would send (without the run's auth, which requests adds at send time)."""
    kwargs = case.as_transport_kwargs(base_url=base_url)
    prepared = requests.Request(**{key: kwargs[key] for key in _REQUEST_KEYS if key in kwargs}).prepare()
    return WireRequest.from_prepared(prepared)


def _credentials(request: WireRequest, guard: SafetyGuard, *, own_auth: bool) -> CredentialsCase:
    """The run's own when its auth will be added (or no other header is there), else as sent."""
    if own_auth or "authorization" not in request.headers:
        return CredentialsCase.OURS
    return credentials_of(request, guard.policy.known)


def kept_back(
    guard: SafetyGuard, request: WireRequest, *, own_auth: bool, where: str
) -> BlockedRequest | None:
    """The recorded :class:`BlockedRequest` when the guard would block ``request``, else ``None``."""
    policy = guard.policy
    verdict = policy.verdict_for(policy.assess(request, _credentials(request, guard, own_auth=own_auth)))
    return None if verdict.allowed else guard.record(request, verdict.reason, where=where)


def install_filter(schema: Any, guard: SafetyGuard, base_url: str) -> None:
    """Register the ``filter_case`` hook on ``schema`` (live runs only)."""

    def filter_case(context: Any, case: Any) -> bool:
        return kept_back(guard, case_request(case, base_url), own_auth=True, where="plan") is None

    schema.hook(filter_case)


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Refuse a case the guard would block, before schemathesis serialises it for the wire."""
    gate = active_gate()
    if gate is None or not gate.guard.policy.is_guarding:
        return
    base_url = kwargs.get("base_url") or case.operation.base_url or ""
    own_auth = getattr(case, "_auth", None) is not None
    blocked = kept_back(gate.guard, case_request(case, base_url), own_auth=own_auth, where="before_call")
    if blocked is not None:
        raise UpgradeBlocked(blocked)
