"""Messages for a mini-program user that arrive outside their own turn — an agent's words in a
handoff (Rasa runs `action_relay_agent_message` with this channel's output): the mini-program
cannot be pushed to, so they wait here until the client fetches them
(`GET /webhooks/miniprogram/messages`, polled while the chat page is open) or comes with its
next message. Kept in process memory for a day, at most 50 per user."""

from __future__ import annotations

from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel

from channels.memory import BoundedMap
from channels.miniprogram.render import render_messages

KEEP_SECONDS = 24 * 3600
PER_USER = 50


class Mailbox:
    def __init__(self, size: int = 100_000) -> None:
        self._waiting: BoundedMap[list[dict[str, Any]]] = BoundedMap(ttl=KEEP_SECONDS, size=size)

    def put(self, sender_id: str, messages: list[dict[str, Any]]) -> None:
        waiting = (self._waiting.get(sender_id) or []) + messages
        self._waiting.put(sender_id, waiting[-PER_USER:])

    def take(self, sender_id: str) -> list[dict[str, Any]]:
        return self._waiting.pop(sender_id) or []


class MailboxOutput(CollectingOutputChannel):
    """Rasa's output for this channel outside a turn: the messages, rendered, into the mailbox."""

    def __init__(self, mailbox: Mailbox) -> None:
        super().__init__()
        self.mailbox = mailbox

    @classmethod
    def name(cls) -> str:
        return "miniprogram"

    async def _persist_message(self, message: dict[str, Any]) -> None:
        await super()._persist_message(message)
        self.mailbox.put(message["recipient_id"], render_messages([message]))
