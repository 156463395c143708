"""Opt-ins to case notices, as WeChat reports them to the channels (the official account's
subscribe-popup event, the mini-program's `wx.requestSubscribeMessage` result), handed to the
notifier in the console (`POST /hooks/notice-optins`, signed like the portal's webhook).

The channels run in Rasa's process, which cannot open the services database: the console
records the opt-in. A failure is logged and the opt-in is lost, as if the user had declined:
no notice is ever sent without one.
"""

from __future__ import annotations

import asyncio
import json
import logging

import aiohttp

from bot import signed_hooks
from bot.privacy import mask_identifier
from bot.settings import secret, settings

logger = logging.getLogger(__name__)

_TIMEOUT = aiohttp.ClientTimeout(total=5)


async def report_optins(sender_id: str, channel: str, decisions: dict[str, bool]) -> bool:
    """Tells the notifier that `sender_id` accepted (True) or declined (False) each template."""
    if not decisions:
        return True
    body = json.dumps({"sender_id": sender_id, "channel": channel, "templates": decisions}, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", **signed_hooks.signed_headers(secret("notice_secret"), body)}
    try:
        async with (
            aiohttp.ClientSession(timeout=_TIMEOUT) as session,
            session.post(f"{settings.console_url}/hooks/notice-optins", data=body, headers=headers) as answer,
        ):
            if answer.status == 200:
                return True
            logger.warning("notice opt-in of %s not recorded: HTTP %s", mask_identifier(sender_id), answer.status)
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        logger.warning("notice opt-in of %s not recorded: %s", mask_identifier(sender_id), type(error).__name__)
    return False
