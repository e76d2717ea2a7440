"""Agreement rule: the task upgrades the OBProxy servers the request named, no more, no fewer.

OCP stores the targets in the task's context as ``context.listMap.obproxy_server_ids`` (string
ids in every sample; ints are accepted too, see ``_ids.id_key``). When the context is a Java
``toString()`` string, is absent, lists no ``obproxy_server_ids``, or lists something that is
not an id, there is nothing sound to compare: the rule stays silent rather than guess (the
schema rule reports shapes).

* ``agreement.target-mismatch`` — the listed ids and the requested ``obproxyIds`` differ as
  sets (at ``/context/listMap/obproxy_server_ids``); the message names the missing and the
  unexpected ids. Order and repetition do not matter.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from contracts._pointer import escape_token, join
from contracts.ocp import UPGRADE_PATH
from contracts.rules._ids import format_ids, id_difference, id_key
from contracts.violations import Violation

__all__ = ["check_agreement", "listed_targets"]

_FIELD = ("context", "listMap", "obproxy_server_ids")
_SPEC = f"#/paths/{escape_token(UPGRADE_PATH)}/post/parameters"


def check_agreement(task: object, requested_obproxy_ids: Iterable[object] | None) -> Iterator[Violation]:
    """Yield ``agreement.target-mismatch`` when the task's targets differ from the request's."""
    if requested_obproxy_ids is None:
        return
    listed = listed_targets(task)
    requested = {key for key in map(id_key, requested_obproxy_ids) if key is not None}
    if listed is None or not requested or listed == requested:
        return
    difference = id_difference(listed, requested, "missing", "unexpected")
    yield Violation(
        rule="agreement.target-mismatch",
        pointer=join(*_FIELD),
        message="the task's OBProxy servers differ from the requested obproxyIds: " + difference,
        expected=format_ids(requested),
        actual=format_ids(listed),
        spec=_SPEC,
    )


def listed_targets(task: object) -> set[int] | None:
    """The ids in ``context.listMap.obproxy_server_ids``; ``None`` when there is no usable list
    (then the rule cannot compare, and ``validate`` says it did not).

    A list holding anything but ids is the schema's to report: comparing what is left of it
    would blame the server for ids it may well have sent.
    """
    value: object = task
    for field in _FIELD:
        if not isinstance(value, Mapping):
            return None
        value = value.get(field)
    if not isinstance(value, list):
        return None
    keys = [id_key(item) for item in value]
    return None if None in keys else {key for key in keys if key is not None}
