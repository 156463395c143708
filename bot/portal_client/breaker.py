"""A circuit breaker: stop calling a service that keeps failing, and try again later.

When the portal is down, every chat turn that needs it would otherwise wait for its timeouts
(and retries) before apologising; after `failure_threshold` consecutive failures the breaker
opens and calls fail at once. After `cooldown` seconds one trial call is let through
(half-open): its success closes the breaker, its failure opens it for another cool-down.
Only one trial runs at a time, so a recovering portal is not hit by every waiting user.

The breaker is plain state without awaits inside its methods, so it is safe to share between
all coroutines of one event loop (the action server's) without a lock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bot.portal_client.errors import CircuitOpen

log = logging.getLogger(__name__)

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


class CircuitBreaker:
    def __init__(
        self,
        failure_threshold: int,
        cooldown: float,
        clock: Callable[[], float] = time.monotonic,
        name: str = "portal",
    ) -> None:
        if failure_threshold < 1 or cooldown < 0:
            raise ValueError("failure_threshold must be ≥ 1 and cooldown ≥ 0")
        self.failure_threshold = failure_threshold
        self.cooldown = cooldown
        self.name = name
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return CLOSED
        if self._probing or self._clock() - self._opened_at >= self.cooldown:
            return HALF_OPEN
        return OPEN

    def before_call(self) -> None:
        """Raises CircuitOpen unless a call may go ahead now; a half-open pass is the trial."""
        state = self.state
        if state == CLOSED:
            return
        if state == HALF_OPEN and not self._probing:
            self._probing = True
            log.info("circuit %s half-open: trying one call", self.name)
            return
        raise CircuitOpen(f"circuit {self.name} is {state}")

    def record_success(self) -> None:
        if self._opened_at is not None:
            log.info("circuit %s closed again", self.name)
        self._failures = 0
        self._opened_at = None
        self._probing = False

    def record_failure(self) -> None:
        self._failures += 1
        if self._probing or self._failures >= self.failure_threshold:
            if self._opened_at is None or self._probing:
                log.warning("circuit %s open after %d failure(s) in a row", self.name, self._failures)
            self._opened_at = self._clock()
            self._probing = False

    def release(self) -> None:
        """A call ended without telling anything about the service (e.g. it was cancelled)."""
        self._probing = False
