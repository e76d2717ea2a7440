"""Schema rule: a response body against the spec's schema for its operation and HTTP status.

The schemas come from ``spec/openapi.yaml`` through :mod:`contracts.spec`; nothing here knows a
field of the contract. jsonschema-rs reports *what* failed; this module turns each error into a
:class:`Violation` with a stable rule id (``schema.<keyword>``), a JSON pointer, expected and
actual values and the spec location.

Undocumented properties are found by the strict validator (``additionalProperties: false``, or
``unevaluatedProperties: false`` where other schemas apply in place; see :mod:`contracts.spec`):
they are ``schema.undocumented-property`` warnings, errors with ``strict``. A conforming body
costs one ``is_valid`` call, the cheapest question jsonschema-rs answers; only a body the
strict validator rejects is validated again, for its errors, and leniently, to tell contract
errors from undocumented properties.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from contracts import _pointer
from contracts.spec import Operation, Spec, spec_location
from contracts.violations import Severity, Violation, describe

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def _rule_id(kind_name: str) -> str:
    """``AdditionalProperties`` → ``schema.additional-properties``; the keyword, kebab-cased."""
    return "schema." + _CAMEL.sub("-", kind_name).lower()


def _expected(kind_name: str, details: dict[str, Any]) -> str:
    match kind_name:
        case "Type":
            types = details.get("types") or [details.get("expected", "")]
            return " or ".join(str(t) for t in types)
        case "Enum":
            return "one of " + ", ".join(str(o) for o in details.get("options", []))
        case "Required":
            return "present"
        case "Format":
            return f"format {details.get('format', '')}"
        case "Minimum" | "Maximum" | "ExclusiveMinimum" | "ExclusiveMaximum":
            return f"{kind_name.lower()} {details.get('limit', '')}"
        case "MinLength" | "MinItems" | "MaxLength" | "MaxItems":
            return f"{kind_name[:3].lower()} {kind_name[3:].lower()} {details.get('limit', '')}"
        case "Pattern":
            return f"matches {details.get('pattern', '')}"
        case "AnyOf" | "OneOfNotValid":
            return str(details.get("alternatives", "one of the documented shapes"))
    return kind_name


def _alternatives(error: Any) -> str:
    """``anyOf`` failures name the shapes the alternatives wanted, e.g. ``integer or string``."""
    root = list(error.instance_path)
    wanted: list[str] = []
    for branch in error.kind.context:
        for sub in branch:
            if type(sub.kind).__name__ == "Type" and list(sub.instance_path) == root:
                wanted.append(_expected("Type", sub.kind.as_dict()))
    return " or ".join(dict.fromkeys(wanted)) or "one of the documented shapes"


def _from_error(error: Any) -> Violation:
    kind_name = type(error.kind).__name__
    details = error.kind.as_dict()
    if kind_name in ("AnyOf", "OneOfNotValid"):
        details = {"alternatives": _alternatives(error)}
    tokens = list(error.instance_path)
    actual = describe(error.instance)
    if kind_name == "Required":
        tokens.append(details.get("property", ""))
        actual = "absent"
    return Violation(
        rule=_rule_id(kind_name),
        pointer=_pointer.from_path(tokens),
        message=error.message,
        expected=_expected(kind_name, details),
        actual=actual,
        spec=spec_location(list(error.schema_path)),
    )


def _branch_errors(error: Any) -> list[Any]:
    """For ``anyOf``: the errors of the one alternative that fits the value's type, if exactly one does.

    ``context`` (object or string) failing because a list item is not a string is reported at
    that item, not as "not valid under any of the schemas" at ``/context``.
    """
    root = list(error.instance_path)
    fitting = [
        branch
        for branch in error.kind.context
        if not any(type(e.kind).__name__ == "Type" and list(e.instance_path) == root for e in branch)
    ]
    return list(fitting[0]) if len(fitting) == 1 and fitting[0] else [error]


def _lenient_errors(errors: Any) -> Iterator[Any]:
    stack = list(errors)
    while stack:
        error = stack.pop()
        if type(error.kind).__name__ in ("AnyOf", "OneOfNotValid"):
            specific = _branch_errors(error)
            if specific != [error]:
                stack.extend(specific)
                continue
        yield error


_FORBIDDING = frozenset({"AdditionalProperties", "UnevaluatedProperties"})
_UNLISTED = "\0 not listed"  # no status key of the spec can be this


def _undocumented(errors: list[Any], severity: Severity, reported: set[str]) -> Iterator[Violation]:
    """Properties the strict schema refused, also inside ``anyOf`` alternatives, one per property.

    ``reported`` holds pointers the lenient schema already refused (a schema of the spec that
    itself says ``additionalProperties: false``): those are contract errors, not undocumented.
    """
    stack = list(errors)
    while stack:
        error = stack.pop()
        kind_name = type(error.kind).__name__
        if kind_name in ("AnyOf", "OneOfNotValid"):
            for branch in error.kind.context:
                stack.extend(branch)
        elif kind_name in _FORBIDDING:
            for name in error.kind.as_dict().get("unexpected", []):
                pointer = _pointer.from_path([*error.instance_path, name])
                if pointer in reported:
                    continue
                yield Violation(
                    rule="schema.undocumented-property",
                    pointer=pointer,
                    message=f"property {name!r} is not in the contract",
                    expected="only documented properties",
                    actual=f"{name!r}",
                    severity=severity,
                    spec=spec_location(list(error.schema_path)),
                    hint="an OCP version may add fields; the contract lists the documented ones",
                )


def check_schema(
    body: Any, spec: Spec, operation: Operation, http_status: int, *, strict: bool = False
) -> Iterator[Violation]:
    """Validate ``body`` against the schema the spec documents for ``operation`` at ``http_status``."""
    schema_name = operation.response_schemas.get(str(http_status), _UNLISTED)  # the usual case: listed as is
    if schema_name is _UNLISTED and not operation.documents(http_status):
        yield Violation(
            rule="schema.undocumented-status",
            pointer="",
            message=f"HTTP {http_status} is not documented for {operation.operation_id}",
            expected="one of " + ", ".join(operation.documented_statuses),
            actual=str(http_status),
            spec=f"#/paths/{_pointer.escape_token(operation.path)}/{operation.method.lower()}/responses",
        )
        return
    if schema_name is _UNLISTED:
        schema_name = operation.schema_name_for(http_status)
    if schema_name is None:
        return
    strict_validator = spec.validator(schema_name, strict=True)
    if strict_validator.is_valid(body):
        return
    reported: set[str] = set()
    for error in _lenient_errors(spec.validator(schema_name, strict=False).iter_errors(body)):
        violation = _from_error(error)
        if type(error.kind).__name__ == "AdditionalProperties":
            unexpected = error.kind.as_dict().get("unexpected", [])
            reported.update(_pointer.from_path([*error.instance_path, name]) for name in unexpected)
        yield violation
    strict_errors = list(strict_validator.iter_errors(body))
    yield from _undocumented(strict_errors, Severity.ERROR if strict else Severity.WARNING, reported)
