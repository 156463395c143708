"""The web chat widget's channel: `channels.web.WebChatInput` in credentials.yml.

Rasa's socket.io channel with the sender id taken from a session token the console issued
(bot/identity/web_session.py) instead of from the browser, and the handshake's Origin checked
against the widget's allowed pages.
"""

from channels.web.channel import WebChatInput

__all__ = ["WebChatInput"]
