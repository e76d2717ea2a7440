"""The OCP version a run holds its target to (``--ocp-version``), in the form the run's layers use.

:mod:`contracts.versions` derives a version's view of the one spec from its ``x-ocp-since``
marks. A run asks three things of it, and :class:`RunProfile` answers them once per version:

* **the spec** its validators judge answers with (``validate_response(spec=...)``);
* **the document** schemathesis generates from (no upgrade body before 4.0.3, no AK/SK scheme);
* **whether the upgrade takes a body** — which decides what the workflow sends *and* what a
  correct OCP must refuse (:mod:`contracts.run.wire.rejection`): before 4.0.3 a body-less upgrade is
  the documented request, so it is never "certain to be refused" and safe mode keeps it back.

Without ``--ocp-version`` the profile is ``latest``: the spec exactly as written.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contracts.ocp import UPGRADE_OPERATION_ID
from contracts.spec import Spec, load_spec, spec_path
from contracts.versions import LATEST, profile

__all__ = ["UPGRADE_OPERATION", "RunProfile", "run_profile"]

#: The operation whose request body exists only from OCP 4.0.3 on.
UPGRADE_OPERATION = UPGRADE_OPERATION_ID


@dataclass(frozen=True)
class RunProfile:
    """What one OCP version documents, as a run needs it."""

    #: ``--ocp-version`` as given (``latest`` when it was not).
    name: str
    #: The spec as this version documents it (the loaded spec itself for ``latest``).
    spec: Spec
    #: Whether this version's upgrade takes a JSON body with ``shortRpmName`` (4.0.3 on).
    upgrade_body: bool

    @property
    def is_latest(self) -> bool:
        return self.name == LATEST

    def schema_document(self) -> dict[str, Any]:
        """A fresh copy of this version's document, for schemathesis (which may annotate it)."""
        return profile(self.name).document(load_spec().document)

    def describe(self) -> str:
        """One line for the banner: the version and what it changes for the run."""
        body = "upgrades carry shortRpmName" if self.upgrade_body else "upgrades carry no body"
        docs = "the newest OCP docs" if self.is_latest else f"the OCP {self.name} docs"
        return f"{docs} ({body})"


def run_profile(version: str | None = None) -> RunProfile:
    """The profile of ``version`` (``None``: ``latest``); cached per version and spec file, so
    its validators compile once."""
    return _profile(LATEST if version is None else version.strip(), spec_path())


@functools.lru_cache(maxsize=8)
def _profile(name: str, path: Path) -> RunProfile:
    chosen = profile(name)
    spec = load_spec()  # ``path`` keys the cache; load_spec() reads the same file
    return RunProfile(
        name=name,
        spec=chosen.spec(spec),
        upgrade_body=chosen.has_request_body(UPGRADE_OPERATION, spec.document),
    )
