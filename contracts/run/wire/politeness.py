"""Being a polite client of a live OCP: rate limit, per-request timeout, 429 back-off, one deadline.

* :class:`Deadline` — the run's hard cap (``--max-time``): nothing waits past it, and a request
  is not started when less than :data:`MIN_REQUEST_WINDOW` is left (it could not finish); the
  deadline remembers that it cut something, so the verdict can say what was not verified.
* :class:`Spacer` — ``--rate-limit N/s``: requests leave at most every ``1/N`` seconds, shared by
  all worker threads (a smooth limit, no bursts).
* :func:`wait_after_429` — how long OCP asks us to wait: ``RateLimit-Reset`` (seconds, OCP's
  header) or ``Retry-After`` (seconds or an HTTP date), capped.
* :class:`Politeness` — the three together, as the gate (:mod:`contracts.run.wire.gate`) uses them.

The clock and the sleep are injected, so tests run in no time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from contracts.run.config import RateLimit

Clock = Callable[[], float]
Sleep = Callable[[float], None]

#: Never wait longer than this for one 429, whatever the server says (seconds).
MAX_429_WAIT = 60.0
#: Retries of one request after 429 answers.
MAX_429_RETRIES = 3
#: A request is not started with less time than this left before the deadline (seconds).
MIN_REQUEST_WINDOW = 0.5
#: While waiting (a 429, a poll), a progress line at least this often (seconds).
PROGRESS_EVERY = 5.0

Say = Callable[[str], None]


class DeadlineReached(Exception):
    """The run's ``--max-time`` is over: the request was not sent."""


class Deadline:
    """A point in monotonic time after which the run sends nothing more (``None``: no limit)."""

    def __init__(self, seconds: float | None, *, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self.seconds = seconds
        self._end = None if seconds is None else clock() + seconds
        #: What the deadline cut first (``None``: it cut nothing).
        self.cut: str | None = None

    def reached(self, what: str) -> DeadlineReached:
        """Remember that the deadline cut ``what``; returns the exception to raise."""
        if self.cut is None:
            self.cut = what
        return DeadlineReached(f"--max-time is over: {what}")

    def allows(self, seconds: float) -> bool:
        """Whether ``seconds`` from now is still before the deadline."""
        remaining = self.remaining()
        return remaining is None or seconds < remaining

    def remaining(self) -> float | None:
        return None if self._end is None else max(0.0, self._end - self._clock())

    @property
    def expired(self) -> bool:
        remaining = self.remaining()
        return remaining is not None and remaining <= 0.0


class Spacer:
    """Spaces requests ``interval`` seconds apart across threads; each caller sleeps for its slot."""

    def __init__(self, rate: RateLimit, *, clock: Clock = time.monotonic, sleep: Sleep = time.sleep) -> None:
        self._interval = rate.interval
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for this request's slot; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self._interval
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return wait


def _header(headers: Mapping[str, str], name: str) -> str:
    return next((value for key, value in headers.items() if key.lower() == name.lower()), "").strip()


def _seconds(text: str, now: datetime) -> float | None:
    """Delay-seconds, or an HTTP date turned into seconds from ``now``; ``None`` if neither."""
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


def wait_after_429(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Seconds to wait before retrying: ``RateLimit-Reset``, else ``Retry-After``; capped at 60 s."""
    moment = now or datetime.now(UTC)
    for name in ("RateLimit-Reset", "Retry-After"):
        seconds = _seconds(_header(headers, name), moment)
        if seconds is not None:
            return min(seconds, MAX_429_WAIT)
    return None


class Politeness:
    """Rate limit, timeout and 429 waits of one run, all bounded by its :class:`Deadline`."""

    def __init__(
        self,
        *,
        rate: RateLimit | None,
        timeout: float,
        deadline: Deadline,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        say: Say | None = None,
    ) -> None:
        self.deadline = deadline
        self._timeout = timeout
        self._sleep = sleep
        self._spacer = None if rate is None else Spacer(rate, clock=clock, sleep=sleep)
        #: Where waiting prints its progress (the console; ``None``: nowhere).
        self.say = say
        #: Set when a 429 asked us to wait past the deadline: the run ended rate limited.
        self.rate_limited_out = False

    def before_send(self) -> None:
        """Wait for a rate-limit slot; :class:`DeadlineReached` when too little time is left to
        finish a request (less than :data:`MIN_REQUEST_WINDOW`): it is then not started."""
        if not self.deadline.allows(MIN_REQUEST_WINDOW):
            raise self.deadline.reached("requests not sent")
        if self._spacer is not None:
            self._spacer.acquire()

    def full_timeout(self, given: object) -> float:
        """The per-request timeout before the deadline cuts it: ``--request-timeout`` or a shorter one."""
        timeout = self._timeout
        if isinstance(given, int | float) and not isinstance(given, bool) and 0 < given < timeout:
            timeout = float(given)
        return timeout

    def timeout(self, given: object) -> float:
        """The per-request timeout: :meth:`full_timeout`, never past the deadline."""
        timeout = self.full_timeout(given)
        remaining = self.deadline.remaining()
        return timeout if remaining is None else max(MIN_REQUEST_WINDOW, min(timeout, remaining))

    def back_off(self, headers: Mapping[str, str]) -> bool:
        """After a 429: sleep as asked and return ``True``, or ``False`` when that would pass the deadline.

        A wait longer than :data:`PROGRESS_EVERY` prints a line at least that often.
        """
        wait = wait_after_429(headers)
        if wait is None:
            wait = 1.0
        if not self.deadline.allows(wait + MIN_REQUEST_WINDOW):
            self.rate_limited_out = True
            return False
        left = wait
        while left > 0:
            if self.say is not None and wait > PROGRESS_EVERY:
                self.say(f"    rate limited (429): waiting {left:.0f} s as the OCP asks")
            step = min(left, PROGRESS_EVERY)
            self._sleep(step)
            left -= step
        return True
