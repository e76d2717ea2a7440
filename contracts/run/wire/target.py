"""Where the requests go: the embedded mock OCP in-process, or a live OCP at ``--base-url``.

Both targets are reached through ``requests``, so the gate, the auth, the politeness and the
recorded exchanges are the same code for a CI run against the mock and for a production run:

* **embedded** — a fresh :class:`~contracts.mock.MockOCP` behind ``responses`` at
  ``http://ocp-mock.invalid:8080`` (no socket; the ``.invalid`` name can never resolve, so a
  request that escaped the mock would fail rather than reach a real host). schemathesis' WSGI
  transport was not used: it signs AK/SK requests before the body is known. With an
  ``--ocp-version`` before 4.0.3 the mock serves an upgrade without a body, as that OCP does.
* **live** — ``--base-url`` with TLS verification on (``--ca-bundle``, or ``--insecure``).

:func:`preflight` asks the target one read-only question before anything else, so an unreachable
host, a TLS failure, a timeout or refused credentials end the run with one line and exit 2.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase
from urllib3.exceptions import InsecureRequestWarning

from contracts.auth import AkSkAuth, basic_auth
from contracts.auth import Credentials as KnownCredentials
from contracts.mock import MockOCP, create_app, mock_responses
from contracts.mock.faults import get_faults
from contracts.mock.inventory import package_version
from contracts.ocp import TASKS_PATH
from contracts.run.config import RunConfig, UpgradeTarget
from contracts.run.profile import RunProfile, run_profile
from contracts.run.wire.errors import RunAborted, describe_network_error

EMBEDDED_BASE_URL = "http://ocp-mock.invalid:8080"
PREFLIGHT_PATH = TASKS_PATH


@dataclass(frozen=True)
class Identity:
    """The credentials a run sends: a ``requests`` auth object and the same as a verifier mapping."""

    auth: AuthBase
    known: KnownCredentials
    principal: str
    scheme: str


@dataclass(frozen=True)
class Target:
    """An OCP to test: base URL, TLS verification, the embedded mock (``None`` for a live OCP)."""

    base_url: str
    verify: bool | str
    mock: MockOCP | None = None

    @property
    def label(self) -> str:
        if self.mock is not None:
            faults = ", ".join(self.mock.faults.names)
            return "embedded mock OCP (in-process)" + (f" with faults: {faults}" if faults else "")
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}{parts.path}"

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def upgrade_targets(self) -> tuple[UpgradeTarget, ...]:
        """The embedded mock's upgrades for the workflow: each cluster's first two servers."""
        if self.mock is None:
            return ()
        inventory = self.mock.inventory
        package = inventory.packages[-1]
        return tuple(
            UpgradeTarget(cluster.id, tuple(s.id for s in cluster.servers[:2]), package)
            for cluster in inventory.clusters[:2]
        )

    def drill_target(self) -> UpgradeTarget:
        """The embedded mock's drill target: the first cluster's first two servers, to a package
        whose version they do not run yet (so an upgrade shows in their versions)."""
        assert self.mock is not None, "drills on a live OCP name their target"
        inventory, first = self.mock.inventory, self.upgrade_targets()[0]
        running = inventory.clusters[0].servers[0].version
        fresh = [p for p in inventory.packages if not package_version(p).startswith(running)]
        return replace(first, package=fresh[-1]) if fresh else first


def identity_for(config: RunConfig, target: Target) -> Identity:
    """AK/SK or Basic from the options; the embedded mock's demo manager when none are given."""
    if config.access_key is not None and config.secret_key is not None:
        return Identity(
            AkSkAuth(config.access_key, config.secret_key),
            KnownCredentials({config.access_key: config.secret_key}),
            config.access_key,
            "AK/SK",
        )
    if config.username is not None and config.password is not None:
        return Identity(
            basic_auth(config.username, config.password),
            KnownCredentials({config.username: config.password}),
            config.username,
            "Basic",
        )
    if target.mock is None:
        raise RunAborted("a live OCP needs credentials")  # config validation makes this unreachable
    user = next(u for u in target.mock.inventory.users if "OBPROXY_MANAGER" in u.roles)
    return Identity(
        basic_auth(user.name, user.password),
        KnownCredentials({user.name: user.password}),
        user.name,
        "Basic (demo user)",
    )


def check_faults(names: tuple[str, ...]) -> None:
    """``--fault`` names the embedded mock knows; else a one-line :class:`UsageError` (with a
    "did you mean"), raised before anything is printed or sent."""
    get_faults(names)


@contextmanager
def opened(config: RunConfig, profile: RunProfile | None = None) -> Iterator[Target]:
    """The run's target, ready for ``requests``, until the block ends (``profile``: the run's)."""
    if config.base_url is not None:
        with warnings.catch_warnings():
            if config.insecure:
                warnings.simplefilter("ignore", InsecureRequestWarning)
            yield Target(config.base_url, config.tls_verify)
        return
    upgrade_body = (profile or run_profile(config.ocp_version)).upgrade_body
    mock = create_app(faults=config.mock_faults, upgrade_body=upgrade_body)
    with mock_responses(mock, base_url=EMBEDDED_BASE_URL):
        yield Target(EMBEDDED_BASE_URL, True, mock)


def session_for(target: Target, identity: Identity) -> requests.Session:
    """A session that sends the run's credentials, verifies TLS as configured, and keeps no cookies:
    a session cookie would authenticate the requests that must go without credentials."""
    session = requests.Session()
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    session.auth = identity.auth
    session.verify = target.verify
    session.headers["Accept"] = "application/json"
    return session


def preflight(session: requests.Session, target: Target, *, timeout: float) -> str | None:
    """One read-only request; :class:`RunAborted` if the target cannot be used, else a note or ``None``."""
    try:
        response = session.get(target.url(PREFLIGHT_PATH), params={"page": 1, "size": 1}, timeout=timeout)
    except requests.RequestException as error:
        raise RunAborted(f"{target.label}: {describe_network_error(error, timeout=timeout)}") from None
    if response.status_code == 401:
        raise RunAborted(
            f"{target.label}: the OCP refused our credentials (401): check OCP_USERNAME/OCP_PASSWORD "
            "or OCP_ACCESS_KEY/OCP_SECRET_KEY"
        )
    if response.status_code == 403:
        return "the user lacks TASK_VIEWER: task checks will see 403"
    return None
