"""``ocp-contract check-spec [PATH]``: the contract itself is sound — a valid OpenAPI 3.1 document
whose every response example passes the validators of its own operation and status. ``PATH`` checks
another copy (an edited spec before it is committed); by default the contract the package carries."""

from __future__ import annotations

import argparse
from pathlib import Path

from openapi_spec_validator import validate as validate_openapi
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from contracts.spec import load_spec
from contracts.spec_examples import response_examples
from contracts.validate import validate_response


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "spec",
        nargs="?",
        metavar="PATH",
        help="the OpenAPI document to check (default: the contract the package carries)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="undocumented properties in examples are errors"
    )


def execute(args: argparse.Namespace) -> int:
    spec = load_spec(None if args.spec is None else Path(args.spec))
    try:
        validate_openapi(spec.document)
    except OpenAPIValidationError as error:
        print(f"{spec.path}: not a valid OpenAPI document: {error.message}")
        return 1
    failures = 0
    count = 0
    for example in response_examples(spec):
        count += 1
        violations = validate_response(
            example.value,
            operation=example.operation_id,
            http_status=example.status,
            strict=args.strict,
            spec=spec,
        )
        errors = [v for v in violations if v.is_error]
        failures += bool(errors)
        for violation in errors:
            print(f"{example.label}:\n{violation.render()}")
    version, operations = spec.document["openapi"], len(spec.operations)
    print(
        f"{spec.path.name}: valid OpenAPI {version}; {operations} operations; "
        f"{count - failures}/{count} examples conform"
    )
    return 1 if failures else 0
