"""Judging what came back: one exchange in, violations out, and the findings of a run.

``judge`` holds the single implementation (body rules through ``contracts.validate``, task
transitions through ``history``, HTTP-level rules in ``http_rules``); ``checks`` presents it to
schemathesis; ``results`` is what a run found, whatever found it. It may import ``run.config``,
``run.profile``, ``run.wire.rejection`` (what a correct OCP must refuse), ``contracts.validate``,
``contracts.rules`` and the spec; only ``checks`` imports schemathesis; never ``phases``,
``reporting`` or the mock.
"""
