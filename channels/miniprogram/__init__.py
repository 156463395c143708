"""The WeChat mini-program (小程序) channel: `channels.miniprogram.MiniProgramInput` in credentials.yml.

`channel` is the Rasa input channel (login through `jscode2session`, JSON turns), `sessions`
keeps who is logged in, `render` turns the bot's messages into the mini-program's JSON (text,
buttons, cards), and `texts` holds the channel's own sentences.
"""

from channels.miniprogram.channel import MiniProgramInput

__all__ = ["MiniProgramInput"]
