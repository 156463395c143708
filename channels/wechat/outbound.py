"""Replies that leave through the customer-service API, within the user's quota.

Used for answers that missed the 5-second passive window, for the parts of a long reply after
the first, and for messages Rasa sends on its own (`get_output_channel`, e.g. an agent's
answer after a handoff). Sending stops at the first failure so parts never arrive out of order.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from rasa.core.channels.channel import OutputChannel

from bot.privacy import mask_identifier
from channels.wechat.api import QuotaExhausted, WeChatAPI, WeChatAPIError
from channels.wechat.rendering import render_messages, split_text
from channels.wechat.state import UserMemory

logger = logging.getLogger(__name__)


class CustomerServiceSender:
    """Sends text parts to one user in order, counting them against the 48-hour allowance."""

    def __init__(self, api: WeChatAPI, memory: UserMemory) -> None:
        self.api = api
        self.memory = memory

    async def send(self, openid: str, parts: Sequence[str]) -> int:
        """Sends as many parts as allowed; returns how many went out. Never raises."""
        who = mask_identifier(openid)
        for index, part in enumerate(parts):
            if not await self.memory.reserve_cs_message(openid):
                logger.warning(
                    "wechat: customer-service allowance used up for %s; %d part(s) not sent", who, len(parts) - index
                )
                return index
            try:
                await self.api.send_text(openid, part)
            except QuotaExhausted as error:
                await self.memory.block_cs(openid)
                logger.warning(
                    "wechat: WeChat refused more messages to %s (errcode %s); "
                    "stopped until the user writes again, %d part(s) not sent",
                    who,
                    error.errcode,
                    len(parts) - index,
                )
                return index
            except WeChatAPIError as error:
                logger.error(
                    "wechat: customer-service message to %s failed (%s); %d part(s) not sent",
                    who,
                    error,
                    len(parts) - index,
                )
                return index
        return len(parts)


class WeChatOutput(OutputChannel):
    """Rasa's output channel for messages not tied to a webhook request (sent immediately)."""

    def __init__(self, sender: CustomerServiceSender) -> None:
        self.sender = sender

    @classmethod
    def name(cls) -> str:
        return "wechat"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        rendered = render_messages([message])
        if rendered.options:
            await self.sender.memory.set_options(recipient_id, rendered.options)
        await self.sender.send(recipient_id, split_text(rendered.text))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})
