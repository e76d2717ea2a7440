"""``--save-shape FILE``: what the target sent (:mod:`contracts.shapes`), through the run's scrub.

A shape records text the target chose — header names, property names, enum values — so a
server that echoes a credential back would put it in the file. Each such text passes the run's
:class:`~contracts.run.reporting.redaction.Redactor` in the form the secret would have had there:
property and enum paths are JSON pointers, so their tokens are unescaped first (a ``/`` in a
secret is ``~1`` in a path), and matching ignores case (header names are recorded lower-cased).
The rendered file then passes the plain scrub once more, as every report does.
"""

from __future__ import annotations

from contracts._pointer import join, split
from contracts.run.reporting.redaction import Redactor
from contracts.run.runner import RunResult
from contracts.shapes import Shape, record_exchanges

__all__ = ["collection", "redacted", "render"]


def _pointer(path: str, scrub: Redactor) -> str:
    """``path`` with each reference token scrubbed as the raw text it stands for."""
    try:
        tokens = split(path)
    except ValueError:
        return scrub.any_case(path)
    return join(*(scrub.any_case(token) for token in tokens))


def redacted(shape: Shape, scrub: Redactor) -> Shape:
    """A copy of ``shape`` in which no secret of ``scrub`` survives, in any recorded text."""
    clean = Shape(
        meta={scrub.any_case(k): scrub.any_case(v) for k, v in shape.meta.items()},
        collection={scrub.any_case(k): scrub.any_case(v) for k, v in shape.collection.items()},
    )
    for operation, statuses in shape.operations.items():
        for status, entry in statuses.items():
            target = clean.status(scrub.any_case(operation), status)
            target.responses += entry.responses
            target.headers.update(scrub.any_case(name) for name in entry.headers)
            for path, types in entry.properties.items():
                target.properties.setdefault(_pointer(path, scrub), set()).update(types)
            for path, values in entry.enums.items():
                for value in values:
                    target.add_enum_value(
                        _pointer(path, scrub), scrub.any_case(value) if isinstance(value, str) else value
                    )
    return clean


def render(result: RunResult, scrub: Redactor) -> bytes:
    """The shape file of a finished run: its exchanges recorded, then scrubbed."""
    meta = {"target": result.target}
    if result.config.ocp_version is not None:
        meta["ocpVersion"] = result.config.ocp_version
    shape = record_exchanges(result.exchanges, meta=meta).shape
    shape.collection = collection(result)
    return scrub(redacted(shape, scrub).to_json()).encode("utf-8")


def collection(result: RunResult) -> dict[str, str]:
    """The options of the run that decide which requests it sent: two runs that agree on all of
    them sent the same requests, so what their shapes differ in is the targets' doing."""
    config = result.config
    upgrade = config.target
    target = "none"
    if upgrade is not None:
        ids = ",".join(map(str, upgrade.obproxy_ids))
        target = f"cluster {upgrade.cluster_id}, obproxies {ids}, {upgrade.package}"
    return {
        "seed": str(result.seed),
        "phases": ",".join(config.phases),
        "maxExamples": str(config.max_examples),
        "ocpVersion": config.ocp_version or "unknown",
        "taskIds": ",".join(map(str, config.task_ids)) or "none",
        "allowUpgrade": "yes" if config.allow_upgrade else "no",
        "upgradeTarget": target,
    }
