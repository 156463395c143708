"""How many messages one sender may send: BANSHI_MESSAGES_PER_MINUTE.

Every message costs a model run and often portal calls; one script on one session or openid
must not take the service from everyone else. The gateway limits requests per address; this
limits messages per principal (a web session, an openid), which an address limit cannot see
behind a carrier's NAT or a government office's proxy.

`ChannelRate` is the channels' limit, kept in the channel store (channels/state_store.py): with
BANSHI_REDIS_URL one sender's messages count on every Rasa worker together, so several workers
do not multiply the allowance. If Redis does not answer, messages are let through (logged): the
limit protects the service, and refusing everyone while Redis is down would be the outage it
guards against. `MessageRate` is the same limit in this process alone, for callers that are not
async (the console's login attempts).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bot.privacy import mask_identifier
from bot.settings import settings
from channels.memory import RecentEvents
from channels.state_store import ChannelStore, InProcessStore, StoreUnavailable

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60.0
TOO_FAST = "您发送得太快了，请稍等一分钟再发。着急的话可以拨打{hotline}政务服务便民热线。"


class MessageRate:
    """At most `limit` per sender a minute, counted in this process."""

    def __init__(
        self, limit: int | None = None, size: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit or settings.messages_per_minute
        self._sent = RecentEvents(WINDOW_SECONDS, size, clock)

    def allow(self, sender: str) -> bool:
        """Counts the message and says whether it may go on to the dialogue."""
        return self._sent.admit(sender, self.limit)


class ChannelRate:
    """At most `limit` per sender a minute, counted in the channel store under `name` (one
    name per channel and kind of request, so uploads and messages keep separate counts)."""

    def __init__(self, name: str, store: ChannelStore | None = None, limit: int | None = None) -> None:
        self.limit = limit or settings.messages_per_minute
        self._sent = (store or InProcessStore()).space(f"rate:{name}", WINDOW_SECONDS)

    async def allow(self, sender: str) -> bool:
        """Counts the message and says whether it may go on to the dialogue."""
        try:
            return await self._sent.admit(sender, self.limit)
        except StoreUnavailable as error:
            log.warning("message rate of %s not counted, let through: %s", mask_identifier(sender), error)
            return True


def too_fast() -> str:
    return TOO_FAST.format(hotline=settings.hotline)
