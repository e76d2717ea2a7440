"""The embedded mock OCP: a stateful, spec-faithful simulator of the OBProxy upgrade workflow.

One core (:class:`MockOCP`, a WSGI app with an inventory, a task engine and named faults) and
three front ends: in-process WSGI (``schema.app = create_app()``), real HTTP on loopback
(:func:`serve`, ``ocp-contract mock``), and ``responses`` (:func:`mock_responses`) for code built
on ``requests``. :data:`FAULTS` lists the faults, each breaking one clause of the contract.
"""

from contracts.mock.app import MockOCP, create_app
from contracts.mock.faults import FAULTS, Fault
from contracts.mock.http import MockServer, serve
from contracts.mock.inventory import Inventory, default_inventory, load_inventory
from contracts.mock.responses_adapter import mock_responses
from contracts.mock.settings import MockSettings

__all__ = [
    "FAULTS",
    "Fault",
    "Inventory",
    "MockOCP",
    "MockServer",
    "MockSettings",
    "create_app",
    "default_inventory",
    "load_inventory",
    "mock_responses",
    "serve",
]
