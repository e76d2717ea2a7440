"""The schemathesis side of a run, as plain data: :func:`engine_config` builds the configuration
(the same tables ``schemathesis.toml`` holds) from a :class:`~contracts.run.config.RunConfig`.

It decides, each beside its code: the checks, tuned to what OCP really answers
(:func:`checks_config`); generation that is reproducible and spares a live OCP, with
``--max-time`` kept out of schemathesis (:func:`engine_config`); and, on a live OCP, no
generated case that could start an upgrade (:func:`_live_upgrade_overrides`, :func:`_phases`).
"""

from __future__ import annotations

from typing import Any

from contracts.ocp import UPGRADE_OPERATION_ID
from contracts.run.config import ENGINE_PHASES, RunConfig

#: What OCP may answer to schema-valid data: 400 (its Java-side validation refuses strings the schema
#: allows, such as "\x1c", which String.trim() blanks), 404 (unknown cluster, server or package),
#: 409 (a server already being changed), 5xx (``http.server-error``'s to report).
_POSITIVE_STATUSES = ["2xx", "400", "401", "403", "404", "409", "429", "5xx"]
#: Undeclared methods the coverage phase sends; never HEAD, OPTIONS, TRACE or QUERY: Spring answers
#: HEAD and OPTIONS itself and Tomcat refuses TRACE with an HTML page, so none says anything about OCP.
_UNEXPECTED_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]
_OFF = {"enabled": False}
_ON = {"enabled": True}


def checks_config() -> dict[str, Any]:
    """The checks table: the project's checks and the built-ins that add something, tuned.

    ``response_headers_conformance`` covers the ``RateLimit-*`` headers. Off, because a project
    rule says the same with OCP's knowledge: ``not_a_server_error`` (``http.server-error``),
    ``status_code_conformance`` (``schema.undocumented-status``), ``content_type_conformance``
    (``envelope.content-type``), ``response_schema_conformance`` (``schema.*``),
    ``negative_data_rejection`` (``http.negative-data-accepted``: OCP coerces a numeric
    ``shortRpmName`` to text and converts hex ids, so "schema-invalid" is not "refused").
    """
    return {
        "ocp_contract": _ON,
        "ocp_http": _ON,
        "ocp_transitions": _ON,
        "positive_data_acceptance": {"enabled": True, "expected-statuses": _POSITIVE_STATUSES},
        "response_headers_conformance": _ON,
        "ignored_auth": _ON,
        "ensure_resource_availability": _ON,
        "unsupported_method": _ON,
        "not_a_server_error": _OFF,
        "status_code_conformance": _OFF,
        "content_type_conformance": _OFF,
        "response_schema_conformance": _OFF,
        "negative_data_rejection": _OFF,
        "use_after_free": _OFF,
        "object_level_authorization": _OFF,
        "missing_required_header": _OFF,
        "allow_header_conformance": _OFF,
    }


def _phases(config: RunConfig) -> dict[str, Any]:
    """The chosen phases; on a live OCP never the stateful one (its chains start with an upgrade)."""
    phases: dict[str, Any] = {name: {"enabled": name in config.phases} for name in ENGINE_PHASES}
    phases["coverage"]["unexpected-methods"] = _UNEXPECTED_METHODS
    if config.is_live:
        phases["stateful"] = _OFF
    return phases


def _live_upgrade_overrides() -> list[dict[str, Any]]:
    """On a live OCP, the upgrade never gets example or positive fuzzing cases: their requests
    could start an upgrade. The workflow follows at most the one upgrade ``--allow-upgrade`` names."""
    return [
        {
            "include-operation-id": UPGRADE_OPERATION_ID,
            "phases": {
                "examples": _OFF,
                "fuzzing": {"generation": {"mode": "negative"}},
            },
        }
    ]


def engine_config(config: RunConfig, *, base_url: str, seed: int) -> dict[str, Any]:
    """The schemathesis configuration of one run (validated by ``SchemathesisConfig.from_dict``).

    ``--max-time`` is not handed over: to schemathesis it is a budget to fill (fuzzing repeats
    until it runs out), ours is a hard cap. Generation stops when ``--max-examples`` is exhausted;
    the run's deadline only cuts (:mod:`contracts.run.wire.politeness`, the engine's loop). No
    example database (local and CI runs draw the same cases from the same seed), no shrinking (a
    live OCP is not hammered to minimise a failure; every failure carries a curl).
    """
    table: dict[str, Any] = {
        "seed": seed,
        "base-url": base_url,
        "workers": config.workers,
        "request-timeout": config.request_timeout,
        "tls-verify": config.tls_verify,
        "continue-on-failure": True,
        "suppress-health-check": ["filter_too_much", "too_slow"],
        "generation": {
            "max-examples": config.max_examples,
            "database": "none",
            "no-shrink": True,
            "deterministic": False,
        },
        "checks": checks_config(),
        "phases": _phases(config),
        "output": {"sanitization": {"enabled": True}},
    }
    if config.is_live:
        table["operations"] = _live_upgrade_overrides()
    return table
