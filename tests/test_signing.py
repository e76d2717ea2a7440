"""The AK/SK signer as the public piece users' scripts take: ``contracts.AkSkAuth`` on a real
``requests`` request reproduces the documented vector (ocp-api.md §4, OCP docs 4.2.x), and the
module stands on its own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import requests

import contracts
from contracts.signing import AKSK_SCHEME, AkSkAuth
from contracts.violations import UsageError
from tests.test_auth import VECTOR_HEADERS, VECTOR_QUERY, VECTOR_SECRET

SIGNING = Path(contracts.__file__).parent / "signing.py"


def test_a_requests_request_signed_with_the_docs_vector_carries_the_documented_signature() -> None:
    request = requests.Request(
        "GET", "http://127.0.0.1:8080/api/v2/monitor/top", params=VECTOR_QUERY, headers=VECTOR_HEADERS
    )
    prepared = AkSkAuth("my-ak", VECTOR_SECRET)(request.prepare())
    assert prepared.headers["Authorization"] == f"{AKSK_SCHEME} my-ak:To11kg1EsB/dPWyDnnpuUzIUoQk="
    assert prepared.headers["Host"] == "127.0.0.1:8080"
    assert prepared.headers["Date"] == VECTOR_HEADERS["Date"], "a Date already there is kept"


def test_the_signer_is_public_and_keeps_its_secret_out_of_sight() -> None:
    assert contracts.AkSkAuth is AkSkAuth
    assert "AkSkAuth" in contracts.__all__
    auth = AkSkAuth("my-ak", VECTOR_SECRET)
    assert VECTOR_SECRET not in repr(auth) and "my-ak" in repr(auth)
    with pytest.raises(UsageError) as caught:
        AkSkAuth("my ak", VECTOR_SECRET)
    assert VECTOR_SECRET not in str(caught.value)


def test_the_signer_stands_on_its_own() -> None:
    """Only the standard library, requests and the project's error types: a script can take it
    without the validator, the mock or the runner."""
    tree = ast.parse(SIGNING.read_text(encoding="utf-8"))
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)} | {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    ours = {name for name in imported if name.startswith("contracts")}
    assert ours == {"contracts.violations"}
    assert {name.split(".")[0] for name in imported} <= {
        "__future__",
        "base64",
        "hashlib",
        "hmac",
        "collections",
        "datetime",
        "email",
        "typing",
        "urllib",
        "requests",
        "contracts",
    }
