"""The mock's routes, and an answer for every request that matches none.

A route is a method, a path template and the role it needs. :func:`resolve` returns the route
and its raw path parameters, or raises the :class:`~contracts.mock.api_errors.ApiError` OCP would
answer: 405 with ``Allow`` when the path is known but the method is not (HEAD and OPTIONS
included: only the documented methods are served), 404 otherwise — whose ``debugMessage`` lists
every route, and says why the closest ones did not match (a missing ``/api/v2`` prefix, as in
the source page's sample, or a trailing slash).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from contracts.mock import api_errors as errors
from contracts.ocp import API_PREFIX, LIFECYCLE_ROUTES
from contracts.ocp import ROUTES as CONTRACT_ROUTES

#: The role each operation needs (OCP's docs): OBPROXY_MANAGER for OBProxy operations, TASK_VIEWER
#: for task reads, TASK_MANAGER for the calls that change a task; ``None`` for the OBProxy cluster
#: read, which the docs open to any authenticated user.
ROLES: dict[str, str | None] = {
    "upgrade": "OBPROXY_MANAGER",
    "task": "TASK_VIEWER",
    "tasks": "TASK_VIEWER",
    "cluster": None,
    "task-retry": "TASK_MANAGER",
    "task-rollback": "TASK_MANAGER",
    "subtask-log": "TASK_VIEWER",
    "subtask-retry": "TASK_MANAGER",
    "subtask-skip": "TASK_MANAGER",
    "subtask-cancel": "TASK_MANAGER",
}


@dataclass(frozen=True, slots=True)
class Route:
    """``operation`` is the short name the validators use (``upgrade``, ``task-retry``, …);
    ``role`` the role it needs (``None``: any authenticated user)."""

    method: str
    template: str
    operation: str
    role: str | None

    @property
    def pattern(self) -> re.Pattern[str]:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.template))
        return re.compile(regex)

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


#: Every operation of the contract, in the order of ``contracts.ocp``.
ROUTES: tuple[Route, ...] = tuple(
    Route(method, template, short, ROLES[short])
    for short, (method, template, _) in (CONTRACT_ROUTES | LIFECYCLE_ROUTES).items()
)
_COMPILED = tuple((route, route.pattern) for route in ROUTES)


@dataclass(frozen=True, slots=True)
class Match:
    route: Route
    params: dict[str, str]


def _explain(path: str) -> str:
    hints: list[str] = []
    for candidate, why in (
        (API_PREFIX + path, f"did you mean {API_PREFIX}{path}? (every path starts with {API_PREFIX})"),
        (path.rstrip("/"), "remove the trailing slash"),
    ):
        if candidate != path and any(p.fullmatch(candidate) for _, p in _COMPILED):
            hints.append(why)
    routes = "; ".join(str(route) for route in ROUTES)
    return ". ".join([*hints, f"routes: {routes}"])


def resolve(method: str, path: str) -> Match:
    """The route serving ``method path``, or the 404/405 :class:`ApiError` explaining why none does."""
    allowed: list[str] = []
    for route, pattern in _COMPILED:
        found = pattern.fullmatch(path)
        if found is None:
            continue
        if route.method == method:
            return Match(route, found.groupdict())
        allowed.append(route.method)
    if allowed:
        raise errors.method_not_allowed(method, tuple(dict.fromkeys(allowed)))
    raise errors.no_route(method, path, _explain(path))


def is_api_path(path: str) -> bool:
    """Paths under ``/api/`` are behind OCP's authentication; others are not OCP's at all."""
    return path == "/api" or path.startswith("/api/")
