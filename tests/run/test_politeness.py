"""Politeness with a fake clock: spacing, 429 waits, timeouts and the deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from contracts.run.config import RateLimit
from contracts.run.wire.politeness import (
    MAX_429_WAIT,
    MIN_REQUEST_WINDOW,
    PROGRESS_EVERY,
    Deadline,
    DeadlineReached,
    Politeness,
    Spacer,
    wait_after_429,
)


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


NOW = datetime(2024, 4, 15, 9, 25, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"RateLimit-Reset": "5"}, 5.0),
        ({"ratelimit-reset": "2", "Retry-After": "9"}, 2.0),
        ({"Retry-After": "3"}, 3.0),
        ({"Retry-After": format_datetime(NOW + timedelta(seconds=7), usegmt=True)}, 7.0),
        ({"Retry-After": format_datetime(NOW - timedelta(seconds=7), usegmt=True)}, 0.0),
        ({"Retry-After": "3600"}, MAX_429_WAIT),
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
)
def test_the_wait_after_429_is_what_ocp_asks(headers: dict[str, str], seconds: float | None) -> None:
    assert wait_after_429(headers, now=NOW) == seconds


def test_the_spacer_spaces_requests_evenly() -> None:
    fake = FakeTime()
    spacer = Spacer(RateLimit(10, 1.0), clock=fake.clock, sleep=fake.sleep)
    waits = [spacer.acquire() for _ in range(3)]
    assert [round(w, 6) for w in waits] == [0.0, 0.1, 0.1]


def test_the_deadline_runs_out() -> None:
    fake = FakeTime()
    deadline = Deadline(5, clock=fake.clock)
    assert deadline.remaining() == 5 and not deadline.expired
    fake.now += 6
    assert deadline.remaining() == 0 and deadline.expired
    assert Deadline(None).remaining() is None


def _polite(fake: FakeTime, *, max_time: float | None = None, timeout: float = 10.0) -> Politeness:
    return Politeness(
        rate=None,
        timeout=timeout,
        deadline=Deadline(max_time, clock=fake.clock),
        clock=fake.clock,
        sleep=fake.sleep,
    )


def test_timeouts_never_exceed_the_option_or_the_deadline() -> None:
    fake = FakeTime()
    polite = _polite(fake, max_time=4.0)
    assert polite.timeout(None) == 4.0
    assert polite.timeout(2.5) == 2.5
    assert polite.timeout(30) == 4.0
    assert _polite(fake).timeout(None) == 10.0


def test_back_off_sleeps_as_asked_unless_the_deadline_comes_first() -> None:
    fake = FakeTime()
    polite = _polite(fake, max_time=5.0)
    assert polite.back_off({"RateLimit-Reset": "2"})
    assert fake.slept == [2.0]
    assert not polite.back_off({"RateLimit-Reset": "30"})
    assert fake.slept == [2.0]


def test_nothing_is_sent_after_the_deadline() -> None:
    fake = FakeTime()
    polite = _polite(fake, max_time=1.0)
    polite.before_send()
    fake.now += 2
    with pytest.raises(DeadlineReached):
        polite.before_send()


def test_a_request_is_not_started_without_time_to_finish_it() -> None:
    fake = FakeTime()
    polite = _polite(fake, max_time=2.0)
    fake.now += 2.0 - MIN_REQUEST_WINDOW / 2
    with pytest.raises(DeadlineReached):
        polite.before_send()
    assert polite.deadline.cut == "requests not sent"


def test_the_timeout_is_never_cut_to_milliseconds() -> None:
    fake = FakeTime()
    polite = _polite(fake, max_time=2.0)
    fake.now += 1.999
    assert polite.timeout(None) >= MIN_REQUEST_WINDOW


def test_a_long_429_wait_says_its_progress_at_least_every_5_s() -> None:
    fake = FakeTime()
    said: list[str] = []
    polite = _polite(fake, max_time=100.0)
    polite.say = said.append
    assert polite.back_off({"RateLimit-Reset": "12"})
    assert sum(fake.slept) == 12.0 and max(fake.slept) <= PROGRESS_EVERY
    assert len(said) >= 12 // PROGRESS_EVERY and "rate limited (429): waiting 12 s" in said[0]


def test_a_429_asking_to_wait_past_the_deadline_marks_the_run_rate_limited() -> None:
    fake = FakeTime()
    polite = _polite(fake, max_time=5.0)
    assert not polite.back_off({"RateLimit-Reset": "30"})
    assert polite.rate_limited_out
