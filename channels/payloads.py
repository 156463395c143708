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

from bot.settings import settings
from channels.memory import BoundedMap

try:
    from redis.exceptions import RedisError
except ImportError:  # the 3.11 runtime (unit tests) has no redis: only the in-process memory

    class RedisError(Exception):  # type: ignore[no-redef]
        pass


log = logging.getLogger(__name__)

CONTROLS = frozenset({"/greet", "/request_human", "/unbind_identity"})
"""Sent by the widget's and the channels' own controls (转人工, 退出, a new conversation)."""
PER_SENDER = 64
KEY_PREFIX = "banshi:sent-buttons:"


class SentButtons:
    """The payloads of the buttons recently shown to each sender: in this process, or in Redis
    when BANSHI_REDIS_URL is set, so that with several Rasa workers a button one worker sent
    (an agent's rating offer, say) is known to the worker that receives its click."""

    def __init__(self, ttl: float = 12 * 3600, size: int = 50_000, redis_url: str | None = None) -> None:
        self._sent: BoundedMap[tuple[str, ...]] = BoundedMap(ttl, size)
        self._ttl = int(ttl)
        url = settings.redis_url if redis_url is None else redis_url
        self._redis = _redis_client(url) if url else None

    def remember(self, sender: str, payloads: Iterable[str]) -> None:
        fresh = tuple(p for p in payloads if isinstance(p, str) and p.startswith("/"))
        if not fresh:
            return
        if self._redis is None:
            kept = self._sent.get(sender) or ()
            self._sent.put(sender, (kept + fresh)[-PER_SENDER:])
            return
        key = KEY_PREFIX + sender
        try:  # a loopback round trip; Redis down only costs the buttons (they read as typed)
            self._redis.pipeline().rpush(key, *fresh).ltrim(key, -PER_SENDER, -1).expire(key, self._ttl).execute()
        except RedisError as error:
            log.warning("sent buttons not kept in Redis: %s", error)

    def _known(self, sender: str) -> tuple[str, ...]:
        if self._redis is None:
            return self._sent.get(sender) or ()
        try:
            return tuple(value.decode() for value in self._redis.lrange(KEY_PREFIX + sender, 0, -1))
        except RedisError as error:
            log.warning("sent buttons not read from Redis: %s", error)
            return ()

    def admit(self, sender: str, text: str) -> str:
        """What to pass to Rasa for `text` from `sender`."""
        return text if text.startswith("/") and text in self._known(sender) else as_typed(text)


def _redis_client(url: str):  # noqa: ANN202 - redis is only in the Rasa runtime
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def as_typed(text: str) -> str:
    """What to pass to Rasa for text that no button sent: a "/" message becomes the words typed."""
    if not text.startswith("/") or text in CONTROLS:
        return text
    return text.lstrip("/").strip() or "？"
