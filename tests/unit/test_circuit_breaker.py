"""The circuit breaker's states: closed → open after N failures in a row → half-open after the
cool-down (one trial at a time) → closed on success, open again on failure."""

from __future__ import annotations

import pytest

from bot.portal_client.breaker import CircuitBreaker
from bot.portal_client.errors import CircuitOpen


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def fail(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        breaker.before_call()
        breaker.record_failure()


def test_opens_only_after_consecutive_failures(clock):
    breaker = CircuitBreaker(3, 10, clock)
    fail(breaker, 2)
    breaker.before_call()
    breaker.record_success()
    fail(breaker, 2)
    assert breaker.state == "closed"
    fail(breaker, 1)
    assert breaker.state == "open"
    with pytest.raises(CircuitOpen):
        breaker.before_call()


def test_half_opens_after_the_cooldown_and_lets_one_trial_through(clock):
    breaker = CircuitBreaker(1, 10, clock)
    fail(breaker, 1)
    clock.now += 9.9
    with pytest.raises(CircuitOpen):
        breaker.before_call()
    clock.now += 0.2
    assert breaker.state == "half_open"
    breaker.before_call()  # the trial
    with pytest.raises(CircuitOpen):
        breaker.before_call()  # others wait while it runs
    breaker.record_success()
    assert breaker.state == "closed"
    breaker.before_call()


def test_a_failed_trial_opens_it_for_another_cooldown(clock):
    breaker = CircuitBreaker(2, 10, clock)
    fail(breaker, 2)
    clock.now += 10
    breaker.before_call()
    breaker.record_failure()
    assert breaker.state == "open"
    clock.now += 5
    with pytest.raises(CircuitOpen):
        breaker.before_call()
    clock.now += 5
    breaker.before_call()


def test_a_cancelled_trial_frees_the_slot(clock):
    breaker = CircuitBreaker(1, 10, clock)
    fail(breaker, 1)
    clock.now += 10
    breaker.before_call()
    breaker.release()
    breaker.before_call()


def test_rejects_nonsense_settings():
    with pytest.raises(ValueError):
        CircuitBreaker(0, 10)
