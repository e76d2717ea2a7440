"""What a run shows: the console, ``report.md``, JUnit XML, the HAR of every exchange and the
observed shape, all written from one ``RunResult`` through ``redaction``, the last scrub of every
text the run writes. It may import everything else in ``run`` (it renders a finished run) and
``contracts.shapes``; nothing in ``run`` but ``command`` imports it.
"""
