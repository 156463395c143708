"""Which `/intent{json}` messages a channel passes to Rasa: only buttons the bot itself sent.

Rasa reads a message that starts with "/" as an intent with entities, bypassing the NLU, and
the entities fill slots: typed by a person or a script, `/start_application{"prefill_consent":
"yes"}` would skip the consent question. So each channel remembers the payloads of the buttons
it showed a sender and passes a "/" message only when it is one of them, or one of the
widget's own controls (which set nothing); anything else reaches the NLU as the words typed,
without the slash.
"""

from __future__ import annotations

from collections.abc import Iterable

from channels.memory import BoundedMap

CONTROLS = frozenset({"/greet", "/request_human", "/unbind_identity"})
"""Sent by the widget's and the channels' own controls (转人工, 退出, a new conversation)."""
PER_SENDER = 64


class SentButtons:
    """The payloads of the buttons recently shown to each sender (per process, like the
    channels' other short-lived memory)."""

    def __init__(self, ttl: float = 12 * 3600, size: int = 50_000) -> None:
        self._sent: BoundedMap[tuple[str, ...]] = BoundedMap(ttl, size)

    def remember(self, sender: str, payloads: Iterable[str]) -> None:
        fresh = tuple(p for p in payloads if isinstance(p, str) and p.startswith("/"))
        if fresh:
            kept = self._sent.get(sender) or ()
            self._sent.put(sender, (kept + fresh)[-PER_SENDER:])

    def admit(self, sender: str, text: str) -> str:
        """What to pass to Rasa for `text` from `sender`."""
        return text if text in (self._sent.get(sender) or ()) else as_typed(text)


def as_typed(text: str) -> str:
    """What to pass to Rasa for text that no button sent: a "/" message becomes the words typed."""
    if not text.startswith("/") or text in CONTROLS:
        return text
    return text.lstrip("/").strip() or "？"
