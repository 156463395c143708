"""Which `/intent{json}` messages a channel passes to Rasa: only buttons the bot itself sent.

Rasa reads a message that starts with "/" as an intent with entities, bypassing the NLU, and
the entities fill slots: typed by a person or a script, `/start_application{"prefill_consent":
"yes"}` would skip the consent question. So each channel remembers the payloads of the buttons
it showed a sender and passes a "/" message only when it is one of them, or one of the
widget's own controls (which set nothing); anything else reaches the NLU as the words typed,
without the slash.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.privacy import mask_identifier
from channels.state_store import ChannelStore, InProcessStore, StoreUnavailable

log = logging.getLogger(__name__)

CONTROLS = frozenset({"/greet", "/request_human", "/unbind_identity"})
"""Sent by the widget's and the channels' own controls (转人工, 退出, a new conversation)."""
PER_SENDER = 64
KEEP_SECONDS = 12 * 3600


class SentButtons:
    """The payloads of the buttons recently shown to each sender, in the channel store: with
    BANSHI_REDIS_URL in Redis (keys `banshi:buttons:<sender>`, JSON lists), so that with several Rasa
    workers a button one worker sent (an agent's rating offer, say) is known to the worker that
    receives its click. If Redis does not answer, a click reads as the words typed: the
    conversation goes on through the NLU, and nothing forged passes."""

    def __init__(self, store: ChannelStore | None = None, size: int = 50_000) -> None:
        self._sent = (store or InProcessStore()).space("buttons", KEEP_SECONDS, size)

    async def remember(self, sender: str, payloads: Iterable[str]) -> None:
        fresh = [p for p in payloads if isinstance(p, str) and p.startswith("/")]
        if not fresh:
            return
        try:
            await self._sent.push(sender, fresh, PER_SENDER)
        except StoreUnavailable as error:
            log.warning("buttons shown to %s not remembered: %s", mask_identifier(sender), error)

    async def _known(self, sender: str) -> list[str]:
        try:
            return await self._sent.items(sender)
        except StoreUnavailable as error:
            log.warning("buttons shown to %s not read, a click reads as typed: %s", mask_identifier(sender), error)
            return []

    async def admit(self, sender: str, text: str) -> str:
        """What to pass to Rasa for `text` from `sender`."""
        if text.startswith("/") and text in await self._known(sender):
            return text
        return as_typed(text)


def as_typed(text: str) -> str:
    """What to pass to Rasa for text that no button sent: a "/" message becomes the words typed."""
    if not text.startswith("/") or text in CONTROLS:
        return text
    return text.lstrip("/").strip() or "？"
