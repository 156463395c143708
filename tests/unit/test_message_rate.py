"""One sender's messages a minute are bounded; others are not affected (channels/rate.py)."""

from __future__ import annotations

from channels.rate import MessageRate, too_fast


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_sender_is_held_at_the_limit_and_free_again_a_minute_later():
    clock = Clock()
    rate = MessageRate(limit=3, clock=clock)
    assert [rate.allow("web:a") for _ in range(4)] == [True, True, True, False]
    assert rate.allow("web:b"), "another sender is not affected"
    clock.now += 61
    assert rate.allow("web:a")
    assert "稍等" in too_fast() and "12345" in too_fast()
