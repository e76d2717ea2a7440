"""``ocp-contract run``: schemathesis property and stateful tests of the contract, against the
embedded mock OCP or a live one — safe by default on live targets. See ``ARCHITECTURE.md``."""

from contracts.run.config import RunConfig, from_options
from contracts.run.runner import RunResult, run_suite

__all__ = ["RunConfig", "RunResult", "from_options", "run_suite"]
