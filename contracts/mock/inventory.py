"""What the mock OCP manages: OBProxy clusters and servers, installation packages, and users.

:func:`default_inventory` is the seeded world printed at start-up (it matches the spec's examples:
cluster 1 with servers 1 and 2, the documented package ``obproxy-1.9.1.1-1919579``).
:func:`load_inventory` replaces it with a YAML or JSON file of the same shape::

    clusters:
      - id: 1
        name: obproxy-demo
        servers:
          - {id: 1, hostId: 11, version: 4.2.1.0}
          - {id: 5, hostId: 15, failAt: install}   # its upgrade branch fails at this step, every run
          - {id: 6, hostId: 16, failAt: stop, failTimes: 1}   # fails its first run only: a retry passes
          - {id: 7, hostId: 17, prohibitRollback: true}       # its upgrade tasks refuse a rollback
    packages: [obproxy-1.9.1.1-1919579, obproxy-ce-4.2.3.0-20231227111200]
    users:                                        # optional; the demo users when absent
      - {name: admin, password: s3cret, roles: [OBPROXY_MANAGER, TASK_VIEWER],
         accessKey: my-ak, secretKey: my-sk}

``failAt`` names the step of the server's upgrade branch that fails (one of ``prepare``,
``download``, ``stop``, ``install``, ``start``, ``check``); ``failTimes: N`` (N ≥ 1, only with
``failAt``) makes it fail its first N runs only, so a retry after the N-th run succeeds; without
``failTimes`` it fails every run, and a retry fails again. ``version`` is what the OBProxy cluster
read reports until an upgrade of the server ends SUCCESSFUL (then the package's version, see
:func:`package_version`). ``prohibitRollback: true`` makes every upgrade task naming the server
refuse a rollback (400, code 20004).

A malformed file raises :class:`~contracts.violations.UsageError` naming the file, the place
(``clusters[0].servers[1].id``), what was expected and what was given — never a secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from contracts.auth import Credentials
from contracts.mock.upgrade_dag import FAILABLE_STEPS
from contracts.violations import UsageError, describe

#: The roles the mock knows (OCP's names); which operation needs which is in the routes.
ROLES: tuple[str, ...] = ("OBPROXY_MANAGER", "TASK_VIEWER", "TASK_MANAGER")
_INT64_MAX = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Server:
    """An OBProxy server; ``fail_at`` names the upgrade step that fails on it (``None``: none),
    ``fail_times`` how many of that step's runs fail (``None``: every run); ``prohibit_rollback``
    makes the upgrade tasks that name it refuse a rollback."""

    id: int
    host_id: int
    version: str = "4.2.1.0"
    fail_at: str | None = None
    fail_times: int | None = None
    prohibit_rollback: bool = False


#: A package's version: what follows the name's first ``-`` before a digit.
_PACKAGE_VERSION = re.compile(r"-([0-9].*)$")


def package_version(short_rpm_name: str) -> str:
    """The version a server runs once upgraded to ``short_rpm_name``: ``obproxy-1.9.1.1-1919579``
    → ``1.9.1.1-1919579``, ``obproxy-ce-4.2.3.0-20231227111200`` → ``4.2.3.0-20231227111200``.

    Inferred from the OCP docs: the upgrade page names the package ``obproxy-1.9.1.1-1919579`` and
    the OBProxy cluster page's sample server runs ``"version": "1.9.1.1-1919579"`` — the package
    name without its product prefix (``name-version-build``). A name with no such part is its own
    version."""
    found = _PACKAGE_VERSION.search(short_rpm_name)
    return found.group(1) if found else short_rpm_name


@dataclass(frozen=True, slots=True)
class Cluster:
    """An OBProxy cluster and its servers."""

    id: int
    name: str
    servers: tuple[Server, ...]

    def server(self, server_id: int) -> Server | None:
        return next((s for s in self.servers if s.id == server_id), None)


@dataclass(frozen=True, slots=True)
class User:
    """An OCP user: Basic credentials, optional AK/SK pair, roles. Secrets stay out of ``repr``."""

    id: int
    name: str
    password: str = field(repr=False)
    roles: frozenset[str]
    access_key: str | None = None
    secret_key: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Inventory:
    """The mock's world. ``demo`` marks the built-in one, whose credentials may be printed."""

    clusters: tuple[Cluster, ...]
    packages: tuple[str, ...]
    users: tuple[User, ...]
    demo: bool = False

    def cluster(self, cluster_id: int) -> Cluster | None:
        return next((c for c in self.clusters if c.id == cluster_id), None)

    def has_package(self, short_rpm_name: str) -> bool:
        return short_rpm_name in self.packages

    def credentials(self) -> Credentials:
        """User → password and access key → secret key, for :func:`contracts.auth.verify_request`."""
        secrets: dict[str, str] = {}
        for user in self.users:
            secrets[user.name] = user.password
            if user.access_key and user.secret_key:
                secrets[user.access_key] = user.secret_key
        return Credentials(secrets)

    def user_for(self, principal: str) -> User | None:
        """The user behind an authenticated principal (a user name or an access key)."""
        return next((u for u in self.users if principal in (u.name, u.access_key)), None)

    def describe(self) -> Iterator[str]:
        """Human-readable lines for start-up; passwords only for the built-in demo users."""
        for cluster in self.clusters:
            servers = ", ".join(_server_text(s) for s in cluster.servers)
            yield f"cluster {cluster.id} {cluster.name!r}: servers {servers}"
        yield "packages: " + ", ".join(self.packages)
        for user in self.users:
            roles = ",".join(sorted(user.roles))
            if self.demo:
                keys = f"; AK/SK {user.access_key} / {user.secret_key}" if user.access_key else ""
                yield f"user {user.name} / {user.password} ({roles}){keys}"
            else:
                keys = f"; access key {user.access_key}" if user.access_key else ""
                yield f"user {user.name} ({roles}; password as in the inventory file){keys}"


def _server_text(server: Server) -> str:
    times = f" {server.fail_times} time(s)" if server.fail_times else ""
    fails = f", fails at {server.fail_at}{times}" if server.fail_at else ""
    no_rollback = ", no rollback" if server.prohibit_rollback else ""
    return f"{server.id} (host {server.host_id}, v{server.version}{fails}{no_rollback})"


DEMO_USERS: tuple[User, ...] = (
    User(1, "admin", "ocp-demo-admin", frozenset(ROLES), "ocp-demo-ak", "d75332c5eed8d440a84a35ac6248d397"),
    User(2, "viewer", "ocp-demo-viewer", frozenset({"TASK_VIEWER"})),
)


def default_inventory() -> Inventory:
    """Cluster 1 (servers 1–3) upgrades cleanly; cluster 2's server 5 fails at ``install``."""
    return Inventory(
        clusters=(
            Cluster(1, "obproxy-demo", (Server(1, 11), Server(2, 12), Server(3, 13))),
            Cluster(2, "obproxy-flaky", (Server(4, 14), Server(5, 15, fail_at="install"))),
        ),
        packages=(
            "obproxy-1.9.1.1-1919579",
            "obproxy-ce-4.2.3.0-20231227111200",
            "obproxy-ce-4.2.1.0-20230912",
        ),
        users=DEMO_USERS,
        demo=True,
    )


# --------------------------------------------------------------------------- loading


class _Reader:
    """Typed access to a parsed document with the path of each value, for one-line errors."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, expected: str, got: Any) -> UsageError:
        shown = "nothing" if got is _MISSING else describe(got, limit=60)
        return UsageError(f"{self.source}: {where}: expected {expected}, got {shown}")

    def mapping(self, value: Any, where: str, keys: tuple[str, ...]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(where, "a mapping", value)
        unknown = sorted(set(map(str, value)) - set(keys))
        if unknown:
            raise UsageError(
                f"{self.source}: {where}: unknown key {unknown[0]!r}; expected one of " + ", ".join(keys)
            )
        return value

    def items(self, value: Any, where: str, *, required: bool = True) -> list[Any]:
        if value is _MISSING and not required:
            return []
        if not isinstance(value, list) or (required and not value):
            raise self.fail(where, "a non-empty list", value)
        return value

    def ident(self, value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _INT64_MAX:
            raise self.fail(where, "an integer id from 1 to 2^63-1", value)
        return value

    def text(self, value: Any, where: str, default: str | None = None) -> str:
        if value is _MISSING and default is not None:
            return default
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # YAML reads 4.2 as a number; a version is text
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, "a non-blank string", value)
        return value


_MISSING: Any = object()


def _server(r: _Reader, raw: Any, where: str) -> Server:
    m = r.mapping(raw, where, ("id", "hostId", "version", "failAt", "failTimes", "prohibitRollback"))
    server_id = r.ident(m.get("id", _MISSING), f"{where}.id")
    fail_at = m.get("failAt")
    if fail_at is not None and fail_at not in FAILABLE_STEPS:
        raise r.fail(f"{where}.failAt", "one of " + ", ".join(FAILABLE_STEPS), fail_at)
    fail_times = m.get("failTimes")
    if fail_times is not None:
        if isinstance(fail_times, bool) or not isinstance(fail_times, int) or fail_times < 1:
            raise r.fail(f"{where}.failTimes", "a whole number of runs, at least 1", fail_times)
        if fail_at is None:
            raise UsageError(f"{r.source}: {where}.failTimes: goes with failAt; got no failAt")
    prohibit_rollback = m.get("prohibitRollback", False)
    if not isinstance(prohibit_rollback, bool):
        raise r.fail(f"{where}.prohibitRollback", "true or false", prohibit_rollback)
    return Server(
        server_id,
        r.ident(m.get("hostId", server_id), f"{where}.hostId"),
        r.text(m.get("version", _MISSING), f"{where}.version", "4.2.1.0"),
        fail_at,
        fail_times,
        prohibit_rollback,
    )


def _cluster(r: _Reader, raw: Any, where: str) -> Cluster:
    m = r.mapping(raw, where, ("id", "name", "servers"))
    cluster_id = r.ident(m.get("id", _MISSING), f"{where}.id")
    servers = tuple(
        _server(r, s, f"{where}.servers[{i}]")
        for i, s in enumerate(r.items(m.get("servers", _MISSING), f"{where}.servers"))
    )
    return Cluster(
        cluster_id, r.text(m.get("name", _MISSING), f"{where}.name", f"obproxy-{cluster_id}"), servers
    )


def _user(r: _Reader, raw: Any, where: str, user_id: int) -> User:
    m = r.mapping(raw, where, ("name", "password", "roles", "accessKey", "secretKey"))
    roles = r.items(m.get("roles", _MISSING), f"{where}.roles")
    for i, role in enumerate(roles):
        if role not in ROLES:
            raise r.fail(f"{where}.roles[{i}]", "one of " + ", ".join(ROLES), role)
    access_key = m.get("accessKey")
    if (access_key is None) != (m.get("secretKey") is None):
        raise UsageError(f"{r.source}: {where}: accessKey and secretKey go together; got only one of them")
    if "password" not in m or not isinstance(m["password"], str) or not m["password"]:
        raise UsageError(f"{r.source}: {where}.password: expected a non-empty string")
    if m.get("secretKey") is not None and (not isinstance(m["secretKey"], str) or not m["secretKey"]):
        raise UsageError(f"{r.source}: {where}.secretKey: expected a non-empty string")
    return User(
        user_id,
        r.text(m.get("name", _MISSING), f"{where}.name"),
        m["password"],
        frozenset(roles),
        None if access_key is None else r.text(access_key, f"{where}.accessKey"),
        m.get("secretKey"),
    )


def _unique(r: _Reader, what: str, values: list[Any]) -> None:
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            raise UsageError(f"{r.source}: {what} {value!r} appears twice; expected each once")
        seen.add(value)


def parse_inventory(document: Any, source: str) -> Inventory:
    """Build an :class:`Inventory` from parsed YAML/JSON; ``source`` names it in errors."""
    r = _Reader(source)
    m = r.mapping(document, "top level", ("clusters", "packages", "users"))
    clusters = tuple(
        _cluster(r, c, f"clusters[{i}]")
        for i, c in enumerate(r.items(m.get("clusters", _MISSING), "clusters"))
    )
    packages = tuple(
        r.text(p, f"packages[{i}]") for i, p in enumerate(r.items(m.get("packages", _MISSING), "packages"))
    )
    raw_users = r.items(m.get("users", _MISSING), "users", required=False)
    users = tuple(_user(r, u, f"users[{i}]", i + 1) for i, u in enumerate(raw_users)) or DEMO_USERS
    _unique(r, "cluster id", [c.id for c in clusters])
    _unique(r, "server id", [s.id for c in clusters for s in c.servers])
    _unique(r, "package", list(packages))
    _unique(r, "user name or access key", [n for u in users for n in (u.name, u.access_key) if n])
    return Inventory(clusters, packages, users, demo=not raw_users)


def load_inventory(path: str | Path) -> Inventory:
    """Read a YAML or JSON inventory file (JSON is YAML); errors are one-line :class:`UsageError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(
            f"cannot read inventory {path}: {error.__class__.__name__}: "
            f"{getattr(error, 'strerror', None) or error}"
        ) from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise UsageError(f"{path}: not valid YAML or JSON{where}; expected an inventory mapping") from None
    return parse_inventory(document, str(path))
