"""Messages for a mini-program user that arrive outside their own turn — an agent's words in a
handoff (Rasa runs `action_relay_agent_message` with this channel's output): the mini-program
cannot be pushed to, so they wait until the client fetches them
(`GET /webhooks/miniprogram/messages`, polled while the chat page is open) or comes with its
next message. Kept for a day, at most 50 per user, in the channel store
(channels/state_store.py): with BANSHI_REDIS_URL in Redis (`banshi:miniprogram:mailbox:<sender>`,
a list taken and emptied in one step), so the words an agent's request put down on one Rasa
worker are fetched from whichever worker the client polls, once.

If the store does not answer, a message is not put down and the error goes back through Rasa to
the agent's console ("消息没有发出去"), rather than the words vanishing; a poll then answers
nothing, and what waits stays for the next one."""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel

from bot.privacy import mask_identifier
from channels.miniprogram.render import render_messages
from channels.state_store import ChannelStore, InProcessStore, StoreUnavailable

log = logging.getLogger(__name__)

KEEP_SECONDS = 24 * 3600
PER_USER = 50


class Mailbox:
    def __init__(self, store: ChannelStore | None = None, size: int = 100_000) -> None:
        self._waiting = (store or InProcessStore()).space("miniprogram:mailbox", KEEP_SECONDS, size)

    async def put(self, sender_id: str, messages: list[dict[str, Any]]) -> None:
        """Puts messages down for `sender_id`; raises StoreUnavailable when they could not be."""
        try:
            await self._waiting.push(sender_id, messages, PER_USER)
        except StoreUnavailable as error:
            log.error("miniprogram: messages for %s not put down: %s", mask_identifier(sender_id), error)
            raise

    async def take(self, sender_id: str) -> list[dict[str, Any]]:
        try:
            return await self._waiting.take(sender_id)
        except StoreUnavailable as error:
            log.warning("miniprogram: mailbox of %s not read: %s", mask_identifier(sender_id), error)
            return []


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
        await self.mailbox.put(message["recipient_id"], render_messages([message]))
