"""Version profiles: what one OCP version documents, derived from the one spec.

The spec marks every difference between OCP versions in place with ``x-ocp-since: "4.0.3"``
(on the upgrade's request body, on the AK/SK security scheme, on each operation of the failure
path and the OBProxy cluster read — documented from 3.1.1, the oldest docs — and wherever it is
added later).
A profile is that spec seen from one version: the marked parts newer than the version are
left out. Nothing is copied by hand, so the profiles cannot drift from the contract.

* :func:`profile` — the profile for ``3.1.1``, ``4.0.0``, ``4.0.3``, ``4.2`` (the newest 4.2
  docs), ``latest``, or any dotted version;
* :meth:`VersionProfile.document` / :meth:`VersionProfile.spec` — the spec as that version
  documents it, for ``validate`` and ``run`` (``--ocp-version``);
* :meth:`VersionProfile.require_auth` and :meth:`VersionProfile.has_request_body` — the two
  questions a runner asks before it sends anything.
"""

from __future__ import annotations

import argparse
import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from contracts._pointer import escape_token, join, split
from contracts.spec import Spec, load_spec
from contracts.violations import SpecError, UsageError

__all__ = [
    "PROFILE_NAMES",
    "Feature",
    "VersionProfile",
    "features",
    "known_ocp_version",
    "ocp_version",
    "parse_version",
    "profile",
]

#: The names ``--ocp-version`` offers (any other dotted version is accepted as well).
PROFILE_NAMES: tuple[str, ...] = ("3.1.1", "4.0.0", "4.0.3", "4.2", "latest")
LATEST = "latest"
_SINCE = "x-ocp-since"
_VERSION = re.compile(r"[0-9]+(\.[0-9]+){0,3}")

#: A version as a comparable tuple, padded to three parts (``4.2`` → ``(4, 2, 0)``).
Version = tuple[int, ...]


def parse_version(text: str) -> Version:
    """``"4.0.3"`` → ``(4, 0, 3)``; anything that is not a dotted version is a :class:`UsageError`."""
    if not _VERSION.fullmatch(text.strip()):
        names = "|".join(PROFILE_NAMES)
        raise UsageError(f"expected an OCP version such as {names}; got {text!r}")
    parts = tuple(int(part) for part in text.strip().split("."))
    return parts + (0,) * (3 - len(parts)) if len(parts) < 3 else parts


def format_version(version: Version) -> str:
    return ".".join(str(part) for part in version)


def ocp_version(text: str) -> str:
    """An argparse ``type=`` for ``--ocp-version``: checks the text and returns it unchanged."""
    if text != LATEST:
        try:
            parse_version(text)
        except UsageError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
    return text


#: The major versions of OCP the contract documents; ``--ocp-version`` refuses the others.
KNOWN_MAJORS = (3, 4)


def known_ocp_version(text: str, *, option: str = "--ocp-version") -> str:
    """``text`` unchanged when it names a version the contract documents (``latest``, 3.x, 4.x);
    else a one-line :class:`UsageError` — a version 9 would otherwise be served or checked as the
    newest docs without a word."""
    if text == LATEST:
        return text
    try:
        version = parse_version(text)
    except UsageError as error:
        raise UsageError(f"{option}: {error}") from None
    if version[0] not in KNOWN_MAJORS:
        raise UsageError(
            f"{option}: unknown OCP version {text!r}; expected "
            f"{'|'.join(PROFILE_NAMES)} (or another 3.x or 4.x version)"
        )
    return text


@dataclass(frozen=True, order=True)
class Feature:
    """One part of the spec that exists only from some version on.

    ``pointer`` is where the spec marks it (an RFC 6901 pointer into the document), ``title``
    says in a few words what it is, ``summary`` is the first sentence of its description.
    """

    since: Version
    pointer: str
    title: str
    summary: str

    @property
    def since_text(self) -> str:
        return format_version(self.since)


def _walk(document: Any) -> Iterator[tuple[list[str], Any]]:
    """Every node of the document with its path, iteratively and in document order."""
    stack: list[tuple[list[str], Any]] = [([], document)]
    while stack:
        path, node = stack.pop()
        yield path, node
        if isinstance(node, dict):
            stack.extend(([*path, str(k)], v) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend(([*path, str(i)], v) for i, v in reversed(list(enumerate(node))))


def _title(document: dict[str, Any], path: list[str]) -> str:
    """A reader's name for the marked node: ``request body of upgradeObproxies`` and the like."""
    if len(path) == 3 and path[0] == "paths":
        return f"operation {document['paths'][path[1]][path[2]].get('operationId', path[2].upper())}"
    if len(path) >= 4 and path[0] == "paths" and path[3] == "requestBody":
        operation = document["paths"][path[1]][path[2]].get("operationId", f"{path[2].upper()} {path[1]}")
        return f"request body of {operation}"
    if path[:2] == ["components", "securitySchemes"] and len(path) == 3:
        return f"authentication scheme {path[2]}"
    if len(path) >= 2 and path[-2] == "properties":
        owner = path[2] if path[:2] == ["components", "schemas"] else "/".join(path[:-2])
        return f"property {path[-1]} of {owner}"
    if len(path) >= 5 and path[0] == "paths" and path[3] == "parameters":
        node = document["paths"][path[1]][path[2]]["parameters"][int(path[4])]
        return f"parameter {node.get('name', path[4])}"
    return join(*path)


def _summary(node: dict[str, Any]) -> str:
    description = str(node.get("description", "")).strip()
    first = re.split(r"(?<=[.!?])\s", description, maxsplit=1)[0]
    return " ".join(first.split())


def features(document: dict[str, Any]) -> list[Feature]:
    """Every ``x-ocp-since`` mark of the document, oldest version first, then by pointer."""
    found: list[Feature] = []
    for path, node in _walk(document):
        if isinstance(node, dict) and _SINCE in node:
            since = node[_SINCE]
            try:
                version = parse_version(str(since))
            except UsageError:
                where = f"{join(*path)}/{_SINCE}"
                raise SpecError(f"{where} is {since!r}; expected a version such as 4.0.3") from None
            found.append(Feature(version, join(*path), _title(document, path), _summary(node)))
    return sorted(found)


@dataclass(frozen=True)
class VersionProfile:
    """What one OCP version documents: the features it has and those it lacks."""

    name: str
    #: The version compared with ``x-ocp-since``; ``None`` for ``latest`` (everything applies).
    version: Version | None
    available: tuple[Feature, ...]
    unavailable: tuple[Feature, ...]
    #: Every security scheme the spec defines, in its order (some may be unavailable here).
    all_schemes: tuple[str, ...] = ()

    def applies(self, feature: Feature) -> bool:
        return self.version is None or feature.since <= self.version

    def document(self, document: dict[str, Any]) -> dict[str, Any]:
        """A copy of the spec without the parts this version lacks (the input is left alone)."""
        result = copy.deepcopy(document)
        removed = [feature.pointer for feature in self.unavailable]
        for pointer in sorted(removed, key=lambda p: len(split(p)), reverse=True):
            _remove(result, split(pointer))
        schemes = {split(p)[2] for p in removed if split(p)[:2] == ["components", "securitySchemes"]}
        if schemes:
            _drop_security_requirements(result, schemes)
        return result

    def spec(self, spec: Spec | None = None) -> Spec:
        """The loaded spec as this version documents it, ready for ``validate_response(spec=...)``."""
        spec = spec or load_spec()
        if not self.unavailable:
            return spec
        return Spec(path=spec.path, document=self.document(spec.document), operations=spec.operations)

    @property
    def auth_schemes(self) -> tuple[str, ...]:
        """The security schemes this version documents, in the order the spec lists them."""
        prefix = "/components/securitySchemes/"
        lacking = {split(f.pointer)[2] for f in self.unavailable if f.pointer.startswith(prefix)}
        return tuple(name for name in self.all_schemes if name not in lacking)

    def require_auth(self, scheme: str) -> None:
        """Raise :class:`UsageError` when this version does not document ``scheme``."""
        for feature in self.unavailable:
            if feature.pointer == "/components/securitySchemes/" + escape_token(scheme):
                raise UsageError(
                    f"{feature.title} is documented from OCP {feature.since_text}; --ocp-version {self.name} "
                    f"offers {', '.join(self.auth_schemes)}"
                )

    def has_request_body(self, operation_id: str, document: dict[str, Any]) -> bool:
        """Whether this version sends ``operation_id`` a body (the upgrade: not before 4.0.3)."""
        for path, path_item in document.get("paths", {}).items():
            for method, operation in path_item.items():
                if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                    pointer = join("paths", path, method, "requestBody")
                    return "requestBody" in operation and all(f.pointer != pointer for f in self.unavailable)
        raise SpecError(f"the spec has no operation {operation_id!r}")

    def describe(self) -> str:
        """Lines for a person: which version this is and what differs from the newest."""
        lines = [
            f"OCP {self.name}: {len(self.available)} of {len(self.available) + len(self.unavailable)} "
            "version-dependent features documented"
        ]
        lines += [f"  lacks {f.title} (from {f.since_text})" for f in self.unavailable]
        return "\n".join(lines)


def _remove(document: dict[str, Any], tokens: list[str]) -> None:
    """Delete the node at ``tokens``; a property also leaves its parent's ``required``."""
    parent: Any = document
    for token in tokens[:-1]:
        parent = parent[int(token)] if isinstance(parent, list) else parent[token]
    last = tokens[-1]
    if isinstance(parent, list):
        del parent[int(last)]
        return
    parent.pop(last, None)
    if len(tokens) >= 2 and tokens[-2] == "properties":
        owner: Any = document
        for token in tokens[:-2]:
            owner = owner[int(token)] if isinstance(owner, list) else owner[token]
        if isinstance(owner.get("required"), list) and last in owner["required"]:
            owner["required"] = [name for name in owner["required"] if name != last]


def _drop_security_requirements(document: dict[str, Any], schemes: set[str]) -> None:
    """Remove requirements that name a scheme this version lacks, at the top and per operation."""
    holders: list[dict[str, Any]] = [document]
    for path_item in document.get("paths", {}).values():
        holders.extend(op for op in path_item.values() if isinstance(op, dict))
    for holder in holders:
        if isinstance(holder.get("security"), list):
            holder["security"] = [req for req in holder["security"] if not schemes & set(req)]


def _doc_versions(document: dict[str, Any]) -> list[Version]:
    listed = document.get("info", {}).get("x-ocp-doc-versions", [])
    return sorted(parse_version(str(v)) for v in listed)


def _resolve_name(name: str, document: dict[str, Any]) -> Version | None:
    """``latest`` → ``None``; ``4.2`` → the newest 4.2 docs version the spec lists; else the version."""
    if name == LATEST:
        return None
    version = parse_version(name)
    if name.count(".") == 1:
        family = [v for v in _doc_versions(document) if v[:2] == version[:2]]
        if family:
            return family[-1]
    return version


def profile(version: str, spec: Spec | None = None) -> VersionProfile:
    """The profile of an OCP version (``3.1.1``, ``4.0.0``, ``4.0.3``, ``4.2``, ``latest``, ``4.2.1``…)."""
    name = version.strip()
    document = (spec or load_spec()).document
    version_key = _resolve_name(name, document)
    marked = features(document)
    available = tuple(f for f in marked if version_key is None or f.since <= version_key)
    unavailable = tuple(f for f in marked if f not in available)
    schemes = tuple(document.get("components", {}).get("securitySchemes", {}))
    return VersionProfile(name, version_key, available, unavailable, all_schemes=schemes)
