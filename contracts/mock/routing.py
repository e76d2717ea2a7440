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
from contracts.ocp import API_PREFIX, CLUSTER_PATH, TASK_PATH, TASKS_PATH, UPGRADE_PATH


@dataclass(frozen=True, slots=True)
class Route:
    """``operation`` is the short name the validators use (``upgrade``, ``task``, ``tasks``)."""

    method: str
    template: str
    operation: str
    role: str

    @property
    def pattern(self) -> re.Pattern[str]:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.template))
        return re.compile(regex)

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


ROUTES: tuple[Route, ...] = (
    Route("POST", UPGRADE_PATH, "upgrade", "OBPROXY_MANAGER"),
    Route("GET", TASK_PATH, "task", "TASK_VIEWER"),
    # Not part of the contract: the read a run uses to prove a cluster id absent before probing it.
    Route("GET", CLUSTER_PATH, "cluster", "OBPROXY_MANAGER"),
    Route("GET", TASKS_PATH, "tasks", "TASK_VIEWER"),
    # not part of the contract: lets a script (or a test) produce a rolled-back task as OCP shows it
    Route("POST", TASK_PATH + "/rollback", "rollback", "TASK_MANAGER"),
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
