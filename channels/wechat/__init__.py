"""The WeChat official account (公众号) channel: `channels.wechat.WeChatInput` in credentials.yml.

`channel` is the Rasa input channel (the webhook), `inbound` reads and checks what WeChat posts
(signature, AES, XML), `rendering` turns the bot's messages into WeChat text, `outbound`
sends what a passive reply cannot carry through the customer-service API (`api`, shared with
the mini-program's login), `state` remembers per user what the numbered options mean, and
`texts` holds the channel's own sentences.

The channel class is imported when Rasa asks for it: `api` and `settings` also serve the
console's notifier (bot/notices), which runs without Rasa.
"""

from __future__ import annotations

from typing import Any

__all__ = ["WeChatInput"]


def __getattr__(name: str) -> Any:
    if name == "WeChatInput":
        from channels.wechat.channel import WeChatInput

        return WeChatInput
    raise AttributeError(name)
