"""The semantic rules over a task: pure checks, each yielding :class:`~contracts.violations.Violation` values.

``check_dag`` (the subtask graph), ``check_state`` (which statuses and times may co-exist),
``check_agreement`` (the task targets the requested OBProxy servers) and ``check_transition``
(what may change between two polled snapshots). Pointers are relative to the task object.

Across a sequence of exchanges, ``contracts.rules.lifecycle`` judges the failure path's control
calls (preconditions, refusals, effects) and, through ``contracts.rules.servers``, the cluster's
servers against the upgrade task; they are imported where a sequence is judged, not here.
"""

from contracts.rules.agreement import check_agreement
from contracts.rules.dag import check_dag
from contracts.rules.state import check_state
from contracts.rules.transitions import check_transition

__all__ = ["check_agreement", "check_dag", "check_state", "check_transition"]
