"""Waiting for what another process does in its own time (a webhook retried, a notice pushed)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def until(condition: Callable[[], T], timeout: float = 30.0, every: float = 0.2) -> T:
    """The first truthy value `condition()` gives; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(every)
    return found
