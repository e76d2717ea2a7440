"""Talking to the target: everything between a built request and the bytes on the wire.

Where requests go (``target``: the embedded mock or a live base URL), the one wrapper around
``requests.Session.send`` every request of a run passes (``gate``), and what it enforces: the
safety guard (``safety``, with ``rejection``: what a correct OCP must refuse), per-exchange bounds
on time, size and redirects (``bounds``), rate limit, back-off and the run's deadline
(``politeness``), and network failures in one line (``errors``). It may import ``run.config``,
``run.profile``, ``contracts.auth``, ``contracts.violations`` and (``target`` only) the mock;
never ``judging``, ``phases``, ``reporting`` or schemathesis.
"""
