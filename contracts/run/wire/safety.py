"""The live-target guard: no request that could start an upgrade leaves without permission.

The decision is :meth:`Policy.decide` over the request *as it goes on the wire*
(:class:`~contracts.run.wire.rejection.WireRequest`). The gate (:mod:`contracts.run.wire.gate`)
asks it just before each request of every session leaves — schemathesis' phases, probes and auth
checks, the workflow, redirects: that is the enforcement point.
The schemathesis hooks (:mod:`contracts.run.phases.hooks`) and the plan
(:mod:`contracts.run.phases.plan`) ask it earlier only so that blocked cases are not generated —
reported as skipped, not as errors.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from contracts.auth import Credentials as KnownCredentials
from contracts.run.config import RunConfig, UpgradeTarget
from contracts.run.profile import run_profile
from contracts.run.wire.rejection import (
    Assessment,
    CredentialsCase,
    Kind,
    WireRequest,
    assess,
    credentials_of,
    path_segments,
)

#: The read that proves a cluster id absent: ``GET /api/v2/obproxy/clusters/{id}``.
CLUSTER_READ = ("api", "v2", "obproxy", "clusters")


class Mode(enum.Enum):
    """How much the guard lets through. A permitted upgrade is exactly the named cluster, servers
    and package — never ids a generator made up — or those servers and package on a cluster id
    :meth:`SafetyGuard.proven_absent`."""

    EMBEDDED = "embedded mock: every request may leave"
    SAFE = "safe mode: read-only requests and requests OCP must reject"
    PERMIT_TARGET = "--allow-upgrade: also upgrades of the named target"


@dataclass(frozen=True, slots=True)
class Verdict:
    """The guard's answer for one request."""

    allowed: bool
    assessment: Assessment

    @property
    def reason(self) -> str:
        return self.assessment.detail


@dataclass(frozen=True, slots=True)
class BlockedRequest:
    """A request the guard kept from leaving; ``url`` carries no credentials."""

    method: str
    url: str
    reason: str
    where: str

    def line(self) -> str:
        return f"{self.method} {self.url} — {self.reason} [{self.where}]"


class UpgradeBlocked(Exception):
    """Raised instead of sending a request that could start an upgrade; the request never left."""

    def __init__(self, blocked: BlockedRequest) -> None:
        super().__init__(f"not sent (safe mode): {blocked.line()}")
        self.blocked = blocked


@dataclass(frozen=True, slots=True)
class Policy:
    """What may leave: the :class:`Mode`, the permitted target, the run's own credentials, and
    whether the OCP version's upgrade takes a body (``False`` before 4.0.3). When it takes none,
    a missing body is no certain refusal: safe mode keeps back every upgrade with our credentials
    and well-formed ids, body-less ones included, and the permitted upgrade names no package
    (that OCP chooses it), so it is matched on cluster and servers."""

    mode: Mode
    target: UpgradeTarget | None = None
    known: Mapping[str, str] | None = None
    upgrade_body: bool = True

    @classmethod
    def for_run(cls, config: RunConfig) -> Policy:
        """The run's policy. A live OCP of unknown version is guarded as the oldest one: without
        ``--ocp-version`` the run validates against the newest docs, but an OCP 3.1.1 or 4.0.0
        would start an upgrade whatever the body says, so nothing about the body counts as a
        certain refusal unless a version that takes a body was named."""
        upgrade_body = run_profile(config.ocp_version).upgrade_body
        if not config.is_live:
            return cls(Mode.EMBEDDED, upgrade_body=upgrade_body)
        upgrade_body = upgrade_body and config.ocp_version is not None
        mode = Mode.PERMIT_TARGET if config.allow_upgrade else Mode.SAFE
        target = config.target if config.allow_upgrade else None
        return cls(mode, target, known_credentials(config), upgrade_body)

    @property
    def is_guarding(self) -> bool:
        """Whether anything is ever blocked (not for the embedded mock)."""
        return self.mode is not Mode.EMBEDDED

    def decide(self, request: WireRequest) -> Verdict:
        """The verdict for a request, judging its credentials against the run's own."""
        return self.verdict_for(self.assess(request, credentials_of(request, self.known)))

    def assess(self, request: WireRequest, credentials: CredentialsCase) -> Assessment:
        """:func:`~contracts.run.wire.rejection.assess` for this policy's OCP version."""
        return assess(request, credentials, upgrade_body=self.upgrade_body)

    def verdict_for(self, assessment: Assessment) -> Verdict:
        """The verdict for an already assessed request."""
        if not self.is_guarding or assessment.kind is Kind.READ_ONLY or assessment.certain is not None:
            return Verdict(True, assessment)
        return Verdict(self._is_permitted_upgrade(assessment), assessment)

    def _is_permitted_upgrade(self, assessment: Assessment) -> bool:
        call, target = assessment.upgrade, self.target
        if self.mode is not Mode.PERMIT_TARGET or call is None or target is None:
            return False
        return (
            call.cluster_id == str(target.cluster_id)
            and sorted(call.obproxy_ids.split(",")) == sorted(str(i) for i in target.obproxy_ids)
            and (bool(call.packages) or not self.upgrade_body)
            and all(package == target.package for package in call.packages)
        )


def known_credentials(config: RunConfig) -> KnownCredentials | None:
    """The run's own credentials as the verifier wants them (user → password, AK → SK)."""
    if config.username is not None and config.password is not None:
        return KnownCredentials({config.username: config.password})
    if config.access_key is not None and config.secret_key is not None:
        return KnownCredentials({config.access_key: config.secret_key})
    return None


class SafetyGuard:
    """Applies a :class:`Policy` and remembers every request it kept back (thread-safe)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._blocked: list[BlockedRequest] = []
        self._cluster_reads: dict[str, int] = {}
        self._lock = threading.Lock()

    def check(self, request: WireRequest, *, where: str) -> Verdict:
        """The verdict for ``request``; a blocked one is recorded and raises :class:`UpgradeBlocked`."""
        verdict = self.policy.decide(request)
        if not verdict.allowed and self._probes_absent_cluster(verdict.assessment):
            return Verdict(True, verdict.assessment)
        if not verdict.allowed:
            raise UpgradeBlocked(self.record(request, verdict.reason, where=where))
        return verdict

    def observe(self, request: WireRequest, status: int) -> None:
        """Note the answer to a read of a cluster (``GET …/obproxy/clusters/{id}``)."""
        segments = path_segments(request.url)
        if request.method != "GET" or len(segments) != len(CLUSTER_READ) + 1:
            return
        if tuple(s.lower() for s in segments[:-1]) == CLUSTER_READ and _canonical_id(segments[-1]):
            with self._lock:
                self._cluster_reads[segments[-1]] = status

    def proven_absent(self, cluster_id: str) -> bool:
        """Whether this run saw the named cluster read as 200 and ``cluster_id`` read as 404.

        The guard watched both reads itself (:meth:`observe`), so the endpoint works and says the
        cluster does not exist. Only the canonical spelling (digits, no leading zero) counts: the
        spelling that was read.
        """
        target = self.policy.target
        if self.policy.mode is not Mode.PERMIT_TARGET or target is None or not _canonical_id(cluster_id):
            return False
        with self._lock:
            named = self._cluster_reads.get(str(target.cluster_id))
            return named == 200 and self._cluster_reads.get(cluster_id) == 404

    def _probes_absent_cluster(self, assessment: Assessment) -> bool:
        """An upgrade of exactly the named servers and package, on a cluster proven absent."""
        call, target = assessment.upgrade, self.policy.target
        if call is None or target is None or not self.proven_absent(call.cluster_id):
            return False
        return (
            sorted(call.obproxy_ids.split(",")) == sorted(str(i) for i in target.obproxy_ids)
            and (bool(call.packages) or not self.policy.upgrade_body)
            and all(package == target.package for package in call.packages)
        )

    def record(self, request: WireRequest, reason: str, *, where: str) -> BlockedRequest:
        """Remember a request that did not leave (``where``: transport, before_call or plan)."""
        blocked = BlockedRequest(request.method, _without_query(request.url), reason, where)
        with self._lock:
            self._blocked.append(blocked)
        return blocked

    @property
    def blocked(self) -> tuple[BlockedRequest, ...]:
        with self._lock:
            return tuple(self._blocked)


def _canonical_id(text: str) -> bool:
    """Digits only, no leading zero: the one spelling of a Long id."""
    return text.isascii() and text.isdigit() and str(int(text)) == text


def _without_query(url: str) -> str:
    return url.split("?", 1)[0]
