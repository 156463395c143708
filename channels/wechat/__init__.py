"""The WeChat official account (公众号) channel: `channels.wechat.WeChatInput` in credentials.yml.

`channel` is the Rasa input channel (the webhook), `inbound` reads and checks what WeChat posts
(signature, AES, XML), `rendering` turns the bot's messages into WeChat text, `outbound`
sends what a passive reply cannot carry through the customer-service API (`api`, shared with
the mini-program's login), `state` remembers per user what the numbered options mean, and
`texts` holds the channel's own sentences.
"""

from channels.wechat.channel import WeChatInput

__all__ = ["WeChatInput"]
