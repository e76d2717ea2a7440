"""The last scrub of every text the run writes or prints: no secret survives, whatever its path.

Headers are masked where exchanges are recorded (:func:`contracts.auth.redact_headers`) and curl
reproductions are built redacted (:func:`contracts.auth.curl_command`); this is the belt to those
braces. :class:`Redactor` replaces each secret of the run — the password, the secret key, and the
Basic token derived from the password — wherever it appears, with ``***``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable

MASK = "***"
#: Secrets shorter than this are not scrubbed from free text (they would mangle ordinary words);
#: they are still masked in headers. The demo and test secrets are far longer.
MIN_SECRET_LENGTH = 4


def _forms(secret: str, username: str | None) -> Iterable[str]:
    yield secret
    if username is not None:
        yield base64.b64encode(f"{username}:{secret}".encode()).decode("ascii")


class Redactor:
    """Replaces the run's secrets (and their Basic-token form) in any text."""

    def __init__(self, secrets: Iterable[str], *, username: str | None = None) -> None:
        forms = {
            form
            for secret in secrets
            if len(secret) >= MIN_SECRET_LENGTH
            for form in _forms(secret, username)
        }
        self._forms = sorted(forms, key=len, reverse=True)
        alternatives = "|".join(re.escape(form) for form in self._forms)
        self._any_case = re.compile(alternatives, re.IGNORECASE) if self._forms else None

    def __call__(self, text: str) -> str:
        for form in self._forms:
            text = text.replace(form, MASK)
        return text

    def any_case(self, text: str) -> str:
        """The same, matching each secret whatever its case: text a server chose may have been
        case-folded on the way (a shape records header names lower-cased)."""
        return text if self._any_case is None else self._any_case.sub(MASK, text)

    def bytes(self, data: bytes) -> bytes:
        """The same for bytes (a recorded body), compared as UTF-8."""
        for form in self._forms:
            data = data.replace(form.encode("utf-8"), MASK.encode("utf-8"))
        return data
