"""The OBProxy cluster read against the upgrade task: what the named servers report before,
during and after it (``GET /api/v2/obproxy/clusters/{id}``, ocp-api.md §5a).

The cluster's ``data`` carries its servers as ``obproxies``, each with ``id``, ``version`` and
``status`` (``UPGRADING`` while an upgrade task works on it). Rule ids (pointers into the cluster
read's body, at the server's field):

* ``servers.not-upgrading`` — while the upgrade task runs, a named server is not UPGRADING.
* ``servers.still-upgrading`` — after the task ended, a named server is still UPGRADING.
* ``servers.not-upgraded`` — after the task ended SUCCESSFUL (operation not ROLLBACK, no subtask
  skipped) a named server does not report the package's version.
* ``servers.version-changed`` — after a FAILED upgrade or a finished rollback, a named server
  reports a version it did not have before the upgrade.

**The version is an inference.** The docs never show a server's ``version`` next to the
``shortRpmName`` it was upgraded with. The package name is read as ``name-version-build``
(``obproxy-1.9.1.1-1919579``, ``obproxy-ce-4.2.1.0-11``): the version is the first dotted
number, the build the number after it. A server's version matches when it contains that
version as a whole token (``1.9.1.1``, ``1.9.1.1-1919579``, ``OBProxy 1.9.1.1``; not
``1.9.1.10``) and, when both sides carry a build, the same build. An explicit expected version
(``expected_version``) replaces the inference and is matched the same way.

A FAILED upgrade may have finished on some servers before another failed (each server has its
own chain of subtasks): after one, a named server may report its old version or the package's,
nothing else. After a finished rollback only its old version is right.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from contracts._pointer import escape_token, join
from contracts.ocp import CLUSTER_PATH, UPGRADING, id_or_none
from contracts.violations import Violation, describe

__all__ = ["PackageVersion", "ServerView", "package_version", "servers_of", "version_matches"]

_VERSION = re.compile(r"(?<![0-9.])([0-9]+(?:\.[0-9]+)+)(?:[-_]([0-9]+))?")
_SPEC_CLUSTER = "#/paths/" + escape_token(CLUSTER_PATH) + "/get"


@dataclass(frozen=True, slots=True)
class PackageVersion:
    """The version (``1.9.1.1``) and build (``1919579``, or ``None``) a package or server names."""

    version: str
    build: str | None = None

    def __str__(self) -> str:
        return self.version if self.build is None else f"{self.version}-{self.build}"


@dataclass(frozen=True, slots=True)
class ServerView:
    """One named server as a cluster read shows it: where it is in the body, its version and status."""

    index: int
    version: object
    status: object


def package_version(text: object) -> PackageVersion | None:
    """The version and build of a package name or version string; ``None`` when it names none."""
    if not isinstance(text, str):
        return None
    found = _VERSION.search(text)
    if found is None:
        return None
    return PackageVersion(found.group(1), found.group(2))


def version_matches(reported: object, wanted: PackageVersion) -> bool:
    """Whether a server's reported version is ``wanted`` (leniently, see the module's docstring)."""
    if not isinstance(reported, str):
        return False
    for found in _VERSION.finditer(reported):
        if found.group(1) == wanted.version:
            build = found.group(2)
            return build is None or wanted.build is None or build == wanted.build
    return False


def servers_of(body: object) -> dict[int, ServerView] | None:
    """The servers of a cluster read's body by id; ``None`` when it lists none (no ``obproxies``)."""
    data = body.get("data") if isinstance(body, Mapping) else None
    items = data.get("obproxies") if isinstance(data, Mapping) else None
    if not isinstance(items, list):
        return None
    found: dict[int, ServerView] = {}
    for index, item in enumerate(items):
        if isinstance(item, Mapping):
            key = id_or_none(item.get("id"))
            if key is not None and key not in found:
                found[key] = ServerView(index, item.get("version"), item.get("status"))
    return found


def _pointer(server: ServerView, field: str) -> str:
    return join("data", "obproxies", server.index, field)


def not_upgrading(
    servers: Mapping[int, ServerView], named: Sequence[int], task_id: int
) -> Iterator[Violation]:
    """``servers.not-upgrading`` for each named server not UPGRADING while task ``task_id`` runs."""
    for key in named:
        server = servers.get(key)
        if server is not None and server.status != UPGRADING:
            yield Violation(
                rule="servers.not-upgrading",
                pointer=_pointer(server, "status"),
                message=f"server {key} is {describe(server.status)} while upgrade task {task_id} works on it",
                expected=UPGRADING,
                actual=describe(server.status),
                spec=_SPEC_CLUSTER,
            )


def still_upgrading(
    servers: Mapping[int, ServerView], named: Sequence[int], task_id: int, ended: str
) -> Iterator[Violation]:
    """``servers.still-upgrading`` for each named server UPGRADING after task ``task_id`` ended."""
    for key in named:
        server = servers.get(key)
        if server is not None and server.status == UPGRADING:
            yield Violation(
                rule="servers.still-upgrading",
                pointer=_pointer(server, "status"),
                message=f"server {key} is still UPGRADING although upgrade task {task_id} ended {ended}",
                expected=f"a status other than {UPGRADING}",
                actual=UPGRADING,
                spec=_SPEC_CLUSTER,
            )


def not_upgraded(
    servers: Mapping[int, ServerView], named: Sequence[int], task_id: int, wanted: PackageVersion
) -> Iterator[Violation]:
    """``servers.not-upgraded`` for each named server not on ``wanted`` after a successful upgrade."""
    for key in named:
        server = servers.get(key)
        if server is not None and not version_matches(server.version, wanted):
            yield Violation(
                rule="servers.not-upgraded",
                pointer=_pointer(server, "version"),
                message=f"server {key} reports version {describe(server.version)} although upgrade task "
                f"{task_id} ended SUCCESSFUL",
                expected=f"version {wanted} (the package's)",
                actual=describe(server.version),
                spec=_SPEC_CLUSTER,
                hint="the server's version is matched leniently against the package name; pass the "
                "expected version if it is spelled otherwise",
            )


def version_changed(
    servers: Mapping[int, ServerView],
    before: Mapping[int, object],
    task_id: int,
    how: str,
    also_allowed: PackageVersion | None = None,
) -> Iterator[Violation]:
    """``servers.version-changed`` for each named server whose version is neither the one it had
    before the upgrade (``before``: id → version) nor, after a FAILED upgrade, ``also_allowed``."""
    for key, old in before.items():
        server = servers.get(key)
        if server is None or server.version == old:
            continue
        if also_allowed is not None and version_matches(server.version, also_allowed):
            continue
        allowed = describe(old) + (f" or {also_allowed}" if also_allowed is not None else "")
        yield Violation(
            rule="servers.version-changed",
            pointer=_pointer(server, "version"),
            message=f"server {key} reports version {describe(server.version)} after upgrade task {task_id} "
            f"{how}; it had {describe(old)} before",
            expected=allowed,
            actual=describe(server.version),
            spec=_SPEC_CLUSTER,
        )
