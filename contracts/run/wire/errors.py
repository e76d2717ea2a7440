"""Why a run stops early, in one line a person can act on — never a traceback.

:class:`RunAborted` ends a run with exit 2 (``UsageError`` semantics: the user fixes it).
:func:`describe_network_error` turns the nested exceptions of ``requests``/``urllib3`` into
``connection refused``, ``TLS certificate not trusted`` and the like.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

import requests

from contracts.run.wire.bounds import BoundBroken
from contracts.violations import UsageError

_KNOWN_CAUSES: tuple[tuple[str, str], ...] = (
    (r"CERTIFICATE_VERIFY_FAILED|certificate verify failed", "TLS certificate not trusted"),
    (r"hostname .* doesn't match|Hostname mismatch", "TLS certificate is for another host name"),
    (
        r"WRONG_VERSION_NUMBER|wrong version number",
        "TLS handshake failed (is the URL http rather than https?)",
    ),
    (r"Connection refused|ECONNREFUSED|Errno 111", "connection refused"),
    (
        r"Name or service not known|nodename nor servname|getaddrinfo failed|Temporary failure in name",
        "host name not found",
    ),
    (r"Network is unreachable|No route to host", "network unreachable"),
    (r"Connection reset|RemoteDisconnected|Connection aborted", "connection closed by the server"),
)


class RunAborted(UsageError):
    """The run cannot go on (refused credentials, an unreachable or untrusted target)."""


def _cause(error: BaseException) -> str:
    text = str(error)
    for pattern, meaning in _KNOWN_CAUSES:
        if re.search(pattern, text):
            return meaning
    return text.splitlines()[0][:160] if text else type(error).__name__


#: The proxy variables ``requests`` reads (either case); a connection through a proxy fails in
#: ways that look like the OCP's own, so their presence is said.
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")


def proxy_hint(env: Mapping[str, str] | None = None) -> str:
    """``"; HTTPS_PROXY and NO_PROXY are set: …"`` when proxy variables are set, else ``""``.

    Only the variables' names are said, never their values: a proxy URL may carry a password.
    """
    env = os.environ if env is None else env
    names = [name for name in PROXY_VARIABLES if env.get(name) or env.get(name.lower())]
    if not names:
        return ""
    listed = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    verb = "is" if len(names) == 1 else "are"
    return (
        f"; {listed} {verb} set in the environment: requests go through the proxy unless the host "
        "is in NO_PROXY (check them, or unset them to connect directly)"
    )


def describe_network_error(error: BaseException, *, timeout: float | None = None) -> str:
    """``TLS failure: TLS certificate not trusted`` — what went wrong, without the stack of wrappers;
    a connection-level failure names the proxy variables that are set (:func:`proxy_hint`)."""
    text = _describe(error, timeout=timeout)
    if isinstance(error, requests.exceptions.ConnectionError | requests.exceptions.Timeout):
        text += proxy_hint()
    return text


def _describe(error: BaseException, *, timeout: float | None) -> str:
    if isinstance(error, BoundBroken):
        return str(error)  # the run's own bounds say it in one line already
    if isinstance(error, requests.exceptions.TooManyRedirects):
        return f"redirect loop: {_cause(error)}"
    if isinstance(error, requests.exceptions.SSLError):
        return f"TLS failure: {_cause(error)}; for a private CA pass --ca-bundle PATH"
    if isinstance(error, requests.exceptions.Timeout):
        limit = f" within {timeout:g} s (--request-timeout)" if timeout is not None else ""
        return f"timeout: no answer{limit}"
    if isinstance(error, requests.exceptions.ConnectionError):
        return f"connection failed: {_cause(error)}"
    return f"{type(error).__name__}: {_cause(error)}"
