"""The live-target guard: no request that could start an upgrade, or retry, roll back, skip or
cancel a task's work, leaves without permission.

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
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contracts.auth import Credentials as KnownCredentials
from contracts.ocp import id_or_none
from contracts.run.config import RunConfig, UpgradeTarget
from contracts.run.profile import RunProfile, run_profile
from contracts.run.wire.rejection import (
    Assessment,
    CredentialsCase,
    Kind,
    WireRequest,
    assess,
    credentials_of,
    path_segments,
    upgrade_path_ids,
)

#: The read that proves a cluster id absent: ``GET /api/v2/obproxy/clusters/{id}``.
CLUSTER_READ = ("api", "v2", "obproxy", "clusters")
#: The read that proves a task id absent: ``GET /api/v2/tasks/instances/{taskInstanceId}``.
TASK_READ = ("api", "v2", "tasks", "instances")


class Mode(enum.Enum):
    """How much the guard lets through. A permitted upgrade is exactly the named cluster, servers
    and package — never ids a generator made up. A control call (task retry or rollback, subtask
    retry, skip or cancel) changes a task as an upgrade does: it leaves only on a task the run's
    own upgrade created, with ``--allow-upgrade``. In every guarded mode, an upgrade or control
    call on ids a read of this run proved absent leaves too (OCP refuses it with 404)."""

    EMBEDDED = "embedded mock: every request may leave"
    SAFE = "safe mode: read-only requests and requests OCP must reject"
    PERMIT_TARGET = "--allow-upgrade: also the named target's upgrade, and control calls on its tasks"


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
    #: The ids a read-only run names in its probes (``--cluster-id`` & co. without
    #: ``--allow-upgrade``): never upgraded, only the reference that proves other ids absent.
    probe_target: UpgradeTarget | None = None

    @property
    def reference(self) -> UpgradeTarget | None:
        """The cluster, servers and package the absent-id probes are measured against."""
        return self.target if self.target is not None else self.probe_target

    @classmethod
    def for_run(cls, config: RunConfig, profile: RunProfile | None = None) -> Policy:
        """The run's policy. A live OCP of unknown version is guarded as the oldest one: without
        ``--ocp-version`` the run validates against the newest docs, but an OCP 3.1.1 or 4.0.0
        would start an upgrade whatever the body says, so nothing about the body counts as a
        certain refusal unless a version that takes a body was named."""
        upgrade_body = (profile or run_profile(config.ocp_version)).upgrade_body
        if not config.is_live:
            return cls(Mode.EMBEDDED, upgrade_body=upgrade_body)
        upgrade_body = upgrade_body and config.ocp_version is not None
        mode = Mode.PERMIT_TARGET if config.allow_upgrade else Mode.SAFE
        target = config.target if config.allow_upgrade else None
        return cls(mode, target, known_credentials(config), upgrade_body, probe_target=config.target)

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
    """Applies a :class:`Policy` and remembers every request it kept back (thread-safe).

    It also watches the answers (:meth:`observe`) for what makes a request safe that the policy
    alone would keep back: reads that prove a cluster, a server or a task absent (an upgrade or a
    control call on it is refused by OCP before it acts), and the tasks the run's own upgrades
    created (with ``--allow-upgrade``, the only tasks a control call may act on).
    """

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._blocked: list[BlockedRequest] = []
        self._cluster_reads: dict[str, int] = {}
        self._cluster_servers: dict[str, frozenset[str]] = {}
        self._task_reads: dict[str, int] = {}
        self._own_tasks: set[str] = set()
        self._lock = threading.Lock()

    def check(self, request: WireRequest, *, where: str) -> Verdict:
        """The verdict for ``request``; a blocked one is recorded and raises :class:`UpgradeBlocked`."""
        verdict = self.policy.decide(request)
        if not verdict.allowed and self._proven_safe(verdict.assessment):
            return Verdict(True, verdict.assessment)
        if not verdict.allowed:
            raise UpgradeBlocked(self.record(request, verdict.reason, where=where))
        return verdict

    def observe(self, request: WireRequest, status: int, body: bytes = b"") -> None:
        """Note an answer: a cluster or task read (what proves an id absent), and the task an
        upgrade created (``body``, read only for those)."""
        segments = path_segments(request.url)
        method = request.effective_method
        if method == "GET" and _is_read(segments, CLUSTER_READ):
            servers = _listed_servers(body) if status == 200 else frozenset()
            with self._lock:
                self._cluster_reads[segments[-1]] = status
                self._cluster_servers[segments[-1]] = servers
        elif method == "GET" and _is_read(segments, TASK_READ):
            with self._lock:
                self._task_reads[segments[-1]] = status
        elif method == "POST" and 200 <= status < 300 and upgrade_path_ids(request.url) is not None:
            created = _created_task(body)
            if created is not None and self.policy.mode is Mode.PERMIT_TARGET:
                with self._lock:
                    self._own_tasks.add(created)

    @property
    def own_tasks(self) -> frozenset[str]:
        """The ids of the tasks this run's upgrades created (``--allow-upgrade`` only)."""
        with self._lock:
            return frozenset(self._own_tasks)

    def proven_absent(self, cluster_id: str) -> bool:
        """Whether this run saw the reference cluster read as 200 and ``cluster_id`` read as 404.

        The guard watched both reads itself (:meth:`observe`), so the endpoint works and says the
        cluster does not exist. Only the canonical spelling (digits, no leading zero) counts: the
        spelling that was read.
        """
        reference = self.policy.reference
        if not self.policy.is_guarding or reference is None or not _canonical_id(cluster_id):
            return False
        with self._lock:
            named = self._cluster_reads.get(str(reference.cluster_id))
            return named == 200 and self._cluster_reads.get(cluster_id) == 404

    def servers_proven_absent(self, cluster_id: str, obproxy_ids: str) -> bool:
        """Whether a read of ``cluster_id`` (200) listed its servers and none of ``obproxy_ids``."""
        ids = obproxy_ids.split(",")
        if not all(_canonical_id(i) for i in ids):
            return False
        with self._lock:
            if self._cluster_reads.get(cluster_id) != 200:
                return False
            listed = self._cluster_servers.get(cluster_id, frozenset())
        return bool(listed) and listed.isdisjoint(ids)

    def task_proven_absent(self, task_id: str) -> bool:
        """Whether this run read ``task_id`` (canonical) and was answered 404."""
        with self._lock:
            return _canonical_id(task_id) and self._task_reads.get(task_id) == 404

    def _proven_safe(self, assessment: Assessment) -> bool:
        if assessment.kind is Kind.CONTROL and assessment.control is not None:
            task = assessment.control.task_id
            own = self.policy.mode is Mode.PERMIT_TARGET and task in self.own_tasks
            return own or self.task_proven_absent(task)
        return self._probes_absent_ids(assessment)

    def _probes_absent_ids(self, assessment: Assessment) -> bool:
        """An upgrade of the reference's package on a cluster proven absent (with exactly the
        reference's servers), or on the reference cluster with servers proven absent."""
        call, reference = assessment.upgrade, self.policy.reference
        if call is None or reference is None:
            return False
        package = (bool(call.packages) or not self.policy.upgrade_body) and all(
            package == reference.package for package in call.packages
        )
        if not package:
            return False
        if call.cluster_id == str(reference.cluster_id):
            return self.servers_proven_absent(call.cluster_id, call.obproxy_ids)
        same_servers = sorted(call.obproxy_ids.split(",")) == sorted(str(i) for i in reference.obproxy_ids)
        return same_servers and self.proven_absent(call.cluster_id)

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


def _is_read(segments: list[str], route: tuple[str, ...]) -> bool:
    """Whether ``segments`` are ``route`` followed by one canonical id."""
    return (
        len(segments) == len(route) + 1
        and tuple(s.lower() for s in segments[:-1]) == route
        and _canonical_id(segments[-1])
    )


def _envelope_data(body: bytes) -> Any:
    try:
        document = json.loads(body) if body else None
    except (ValueError, RecursionError):
        return None
    return document.get("data") if isinstance(document, dict) else None


def _listed_servers(body: bytes) -> frozenset[str]:
    """The server ids a cluster read lists (``data.obproxies[].id``), canonical spellings only."""
    data = _envelope_data(body)
    servers = data.get("obproxies") if isinstance(data, dict) else None
    items = servers if isinstance(servers, list) else []
    ids = (id_or_none(item.get("id")) for item in items if isinstance(item, dict))
    return frozenset(str(i) for i in ids if i is not None)


def _created_task(body: bytes) -> str | None:
    data = _envelope_data(body)
    task = id_or_none(data.get("id")) if isinstance(data, dict) else None
    return None if task is None else str(task)


def _canonical_id(text: str) -> bool:
    """Digits only, no leading zero: the one spelling of a Long id."""
    return text.isascii() and text.isdigit() and str(int(text)) == text


def _without_query(url: str) -> str:
    return url.split("?", 1)[0]
