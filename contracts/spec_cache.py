"""The parsed spec, kept as JSON between processes, so a command does not re-read 2,000 lines of YAML.

Parsing ``openapi.yaml`` costs even libyaml's loader tens of milliseconds (PyYAML builds the
objects in Python), more than the rest of a ``validate`` of a small response; ``orjson`` reads
the same document as JSON in well under one. So the first process to parse a given spec writes
the result to ``<cache>/spec-<sha256 of the YAML bytes>.json`` and later ones read that instead.

It cannot go stale: the name is the hash of the exact YAML bytes read, so an edited spec is a
new name and is parsed afresh. A document JSON cannot hold exactly (a date, an integer key) is
never cached. The cache is ``$OCP_CONTRACT_CACHE``, else ``$XDG_CACHE_HOME/ocp-contract``, else
``~/.cache/ocp-contract``; ``OCP_CONTRACT_CACHE=off`` disables it. Writes are atomic (a
temporary file, then a rename), and a cache that cannot be read or written is ignored.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

__all__ = ["cache_dir", "load_cached"]


def cache_dir() -> Path | None:
    """Where parsed specs are kept, or ``None`` when caching is off."""
    configured = os.environ.get("OCP_CONTRACT_CACHE")
    if configured:
        return None if configured.lower() == "off" else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ocp-contract"


def _write(path: Path, data: bytes) -> None:
    import tempfile  # only the first process to parse a spec writes

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".spec-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _sha256_hex(raw: bytes) -> str:
    """The SHA-256 of ``raw`` in hex, from CPython's built-in implementation where it has one.

    The digest is the same as :mod:`hashlib`'s; importing hashlib (with its OpenSSL binding) costs
    a few milliseconds of every short command, more than hashing the spec. Other interpreters
    and builds use hashlib.
    """
    try:
        from _sha256 import sha256  # CPython 3.11
    except ImportError:
        try:
            from _sha2 import sha256  # CPython 3.12 and later
        except ImportError:
            from hashlib import sha256
    return str(sha256(raw).hexdigest())


def load_cached(raw: bytes, parse: Callable[[bytes], Any]) -> Any:
    """``parse(raw)``, or the JSON kept from an earlier parse of the very same bytes."""
    directory = cache_dir()
    if directory is None:
        return parse(raw)
    path = directory / f"spec-{_sha256_hex(raw)}.json"
    try:
        return orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        pass
    document = parse(raw)
    try:
        data = orjson.dumps(document)
        if orjson.loads(data) == document:  # exactly representable: nothing JSON would change
            _write(path, data)
    except (OSError, TypeError, orjson.JSONEncodeError):
        pass
    return document
