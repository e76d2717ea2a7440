"""The cluster's versions: what the named OBProxy servers run before and after an upgrade.

``GET /api/v2/obproxy/clusters/{id}`` lists the cluster's servers (``obproxies``), each with its
``version`` and ``status`` (UPGRADING while an upgrade works on it). The workflow reads it before
an upgrade and after its task ended, and says what changed: the version every named server now
runs, or that they kept theirs — so a task's outcome reads "upgraded to 4.2.3.0" only when the
servers say so, and a rollback "servers unchanged" only when they do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from contracts.ocp import CLUSTER_PATH, id_or_none
from contracts.run.phases.exchange import Exchanges, Reply

#: What "unchanged" is called in a task's report (``TaskReport.servers``).
UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class ServerState:
    """One server as a cluster read showed it."""

    id: int
    version: str | None
    status: str | None


def servers_of(exchange: Reply | None) -> dict[int, ServerState] | None:
    """The servers a 200 cluster read lists, by id; ``None`` when there was no such read."""
    if exchange is None or exchange.status != 200 or not isinstance(exchange.data, dict):
        return None
    listed = exchange.data.get("obproxies")
    found: dict[int, ServerState] = {}
    for item in listed if isinstance(listed, list) else ():
        server_id = id_or_none(item.get("id")) if isinstance(item, dict) else None
        if server_id is not None and isinstance(item, dict):
            version, status = item.get("version"), item.get("status")
            found[server_id] = ServerState(
                server_id,
                version if isinstance(version, str) else None,
                status if isinstance(status, str) else None,
            )
    return found


def read_servers(exchanges: Exchanges, cluster_id: int, *, title: str) -> dict[int, ServerState] | None:
    """Read the cluster (judged when the spec documents the read); its servers, or ``None``."""
    if not exchanges.documents("cluster"):
        return None
    path = CLUSTER_PATH.format(id=cluster_id)
    return servers_of(exchanges.send("cluster", "GET", path, title=title, params={"id": cluster_id}))


def running(after: Mapping[int, ServerState] | None, named: Sequence[int]) -> str | None:
    """The one version every named server reports, or ``None`` (not read, or they differ)."""
    versions = {after[i].version if after is not None and i in after else None for i in named}
    return next(iter(versions)) if len(versions) == 1 else None


def change(
    before: Mapping[int, ServerState] | None, after: Mapping[int, ServerState] | None, named: Sequence[int]
) -> str | None:
    """What the named servers show after a task: :data:`UNCHANGED`, the one version they all run
    now, or each server's version when they differ; ``None`` when versions were not read."""
    if before is None or after is None:
        return None
    old = [before[i].version if i in before else None for i in named]
    new = [after[i].version if i in after else None for i in named]
    if any(version is None for version in old + new):
        return None
    if old == new:
        return UNCHANGED
    if len(set(new)) == 1:
        return str(new[0])
    return ", ".join(f"server {i} {version}" for i, version in zip(named, new, strict=True))
