"""Contract tests and spec validation for OCP's "Upgrade an OBProxy" API."""

from contracts.violations import ContractViolation, Severity, SpecError, UsageError, Violation

__all__ = ["ContractViolation", "Severity", "SpecError", "UsageError", "Violation"]
