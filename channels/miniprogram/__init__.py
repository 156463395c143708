"""The WeChat mini-program (小程序) channel: `channels.miniprogram.MiniProgramInput` in credentials.yml.

`channel` is the Rasa input channel (login through `jscode2session`, JSON turns), `sessions`
keeps who is logged in, `render` turns the bot's messages into the mini-program's JSON (text,
buttons, cards), and `texts` holds the channel's own sentences.

The channel class is imported when Rasa asks for it: `settings` also serves the console's
notifier (bot/notices), which runs without Rasa.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MiniProgramInput"]


def __getattr__(name: str) -> Any:
    if name == "MiniProgramInput":
        from channels.miniprogram.channel import MiniProgramInput

        return MiniProgramInput
    raise AttributeError(name)
