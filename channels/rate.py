"""How many messages one sender may send: BANSHI_MESSAGES_PER_MINUTE, per process.

Every message costs a model run and often portal calls; one script on one session or openid
must not take the service from everyone else. The gateway limits requests per address; this
limits messages per principal (a web session, an openid), which an address limit cannot see
behind a carrier's NAT or a government office's proxy. Per process, like the channels' other
short-lived memory (BoundedMap).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.settings import settings
from channels.memory import BoundedMap

WINDOW_SECONDS = 60.0
TOO_FAST = "您发送得太快了，请稍等一分钟再发。着急的话可以拨打{hotline}政务服务便民热线。"


class MessageRate:
    def __init__(
        self, limit: int | None = None, size: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit or settings.messages_per_minute
        self._clock = clock
        self._sent: BoundedMap[tuple[float, ...]] = BoundedMap(WINDOW_SECONDS, size, clock)

    def allow(self, sender: str) -> bool:
        """Counts the message and says whether it may go on to the dialogue."""
        now = self._clock()
        recent = tuple(t for t in (self._sent.get(sender) or ()) if now - t < WINDOW_SECONDS)
        if len(recent) >= self.limit:
            return False
        self._sent.put(sender, (*recent, now))
        return True


def too_fast() -> str:
    return TOO_FAST.format(hotline=settings.hotline)
