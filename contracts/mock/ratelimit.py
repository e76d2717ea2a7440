"""OCP's optional per-user rate limit: a fixed window of ``limit`` requests per ``window`` seconds.

Each authenticated request takes one slot of its user's current window. The answer carries what
the ``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset`` (seconds until the window
resets) headers say; over the limit the mock answers the documented 429 body with ``Retry-After``.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Quota:
    """The outcome of taking one slot: allowed or not, and the header values."""

    allowed: bool
    limit: int
    remaining: int
    reset: int

    def headers(self) -> dict[str, str]:
        values = {
            "RateLimit-Limit": self.limit,
            "RateLimit-Remaining": self.remaining,
            "RateLimit-Reset": self.reset,
        }
        if not self.allowed:
            values["Retry-After"] = self.reset
        return {name: str(value) for name, value in values.items()}


class RateLimiter:
    """Fixed windows per user; windows start at the user's first request. Thread-safe."""

    def __init__(self, limit: int, window: float) -> None:
        if limit < 1 or window <= 0:
            raise ValueError(f"expected a limit >= 1 and a window > 0 s, got {limit} per {window} s")
        self.limit = limit
        self.window = timedelta(seconds=window)
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[datetime, int]] = {}

    def take(self, user: str, now: datetime) -> Quota:
        """Count one request of ``user`` at ``now``."""
        with self._lock:
            start, used = self._windows.get(user, (now, 0))
            if now - start >= self.window or now < start:
                start, used = now, 0
            allowed = used < self.limit
            used += 1 if allowed else 0
            self._windows[user] = (start, used)
        reset = max(0, math.ceil((start + self.window - now).total_seconds()))
        return Quota(allowed, self.limit, self.limit - used, reset)
