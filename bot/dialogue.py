"""What every flow hands back to the actions: replies (text and buttons) and a `Turn`.

Flows in `bot/` never talk to rasa-sdk; they return a `Turn` — the replies to say, in order,
and the slots to set — and each action relays it (`actions/common.py`). One shape for every
flow keeps the actions ten lines long and lets the flows be tested without Rasa.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Button:
    title: str
    payload: str

    def as_dict(self) -> dict:
        return {"title": self.title, "payload": self.payload}


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    image: str | None = None
    """A picture shown with the text: the thumbnail of a file the citizen just uploaded."""
    custom: dict | None = None
    """A payload for the richer clients (the mini-program's offer of case notices); channels
    that cannot use it drop it."""

    def as_kwargs(self) -> dict:
        """Arguments for rasa-sdk's `dispatcher.utter_message`."""
        kwargs: dict = {"text": self.text}
        if self.buttons:
            kwargs["buttons"] = [b.as_dict() for b in self.buttons]
        if self.image:
            kwargs["image"] = self.image
        if self.custom:
            kwargs["json_message"] = self.custom
        return kwargs


@dataclass
class Turn:
    """The outcome of one step of a flow: what to say, in order, and which slots to set."""

    replies: list[Reply] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)

    def say(self, *replies: Reply) -> Turn:
        self.replies.extend(replies)
        return self

    def then(self, other: Turn) -> Turn:
        """This turn followed by `other` (its slots win)."""
        self.replies.extend(other.replies)
        self.slots.update(other.slots)
        return self
