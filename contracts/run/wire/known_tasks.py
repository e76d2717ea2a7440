"""``--task-id`` checked before the suite: a task the target does not know ends the run at once.

An unknown id is a mistake of the user's (a typo, the wrong OCP), so it is found with one
read-only request per id right after the preflight, not after the whole suite has run — which
on a rate-limited OCP is minutes of requests for a verdict that was known from the start.
"""

from __future__ import annotations

from collections.abc import Iterable

import requests

from contracts.ocp import TASK_PATH
from contracts.run.wire.errors import RunAborted


def check_task_ids(
    session: requests.Session, base_url: str, task_ids: Iterable[int], *, timeout: float
) -> None:
    """Read each task once; :class:`RunAborted` (exit 2) for the first the target answers 404 to.

    Any other answer is left to the workflow, which reads and judges the task in full.
    """
    for task_id in task_ids:
        url = base_url.rstrip("/") + TASK_PATH.format(taskInstanceId=task_id)
        response = session.get(url, timeout=timeout)
        if response.status_code == 404:
            raise RunAborted(
                f"task {task_id} is unknown to the target (404); check --task-id (nothing else was sent)"
            )
