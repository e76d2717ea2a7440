"""What a run does: schemathesis' phases and the project's own workflow.

``plan`` turns a ``RunConfig`` into schemathesis' configuration as data, ``engine`` drives
schemathesis with the project's checks and ``hooks``, ``collect`` turns its events into
``Results``, and ``workflow`` sends the deterministic probes and follows an upgrade to its end.
It may import ``run.config``, ``run.profile``, ``wire``, ``judging``, ``contracts.auth`` and the
spec; never ``reporting``, ``runner`` or the mock.
"""
