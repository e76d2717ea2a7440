"""How a mock OCP is configured: one frozen value, built by the command line or by tests."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.violations import UsageError


@dataclass(frozen=True, slots=True)
class MockSettings:
    """Knobs of the mock; the defaults make a deterministic, fault-free, per-poll OCP.

    ``tick``: ``None`` advances a task one step per ``GET`` of it (fast, deterministic tests);
    a number advances every running task one step per that many seconds.
    ``rate_limit``: requests per ``rate_window`` seconds per user; ``None`` disables the limit
    (and its headers). ``seed_history`` adds one FAILED and one SUCCESSFUL upgrade task at
    start-up, for read-only runs. ``upgrade_body=False`` behaves as OCP 3.1.1 and 4.0.0, whose
    upgrade documents no body: one without a body is served with the newest package.
    """

    seed: int = 0
    tick: float | None = None
    faults: tuple[str, ...] = ()
    server_name: str = "ocp-mock-1"
    utc_offset_minutes: int = 480
    max_finished: int = 1000
    rate_limit: int | None = None
    rate_window: float = 60.0
    max_body_bytes: int = 1 << 20
    seed_history: bool = True
    first_task_id: int = 33149
    upgrade_body: bool = True

    def __post_init__(self) -> None:
        checks = (
            (self.tick is None or self.tick > 0, f"tick must be > 0 seconds, got {self.tick}"),
            (self.max_finished >= 1, f"max_finished must be >= 1, got {self.max_finished}"),
            (
                self.rate_limit is None or self.rate_limit >= 1,
                f"rate_limit must be >= 1, got {self.rate_limit}",
            ),
            (self.rate_window > 0, f"rate_window must be > 0 seconds, got {self.rate_window}"),
            (
                -1080 <= self.utc_offset_minutes <= 1080,
                f"utc_offset_minutes must be within ±18 h, got {self.utc_offset_minutes}",
            ),
            (self.first_task_id >= 1, f"first_task_id must be >= 1, got {self.first_task_id}"),
        )
        for ok, message in checks:
            if not ok:
                raise UsageError(message)
