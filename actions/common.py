"""Helpers the action modules share."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.dialogue import Reply, Turn


def say(dispatcher: CollectingDispatcher, replies: Reply | Iterable[Reply]) -> None:
    """Sends one or several replies in order."""
    for reply in [replies] if isinstance(replies, Reply) else replies:
        dispatcher.utter_message(**reply.as_kwargs())


def relay(dispatcher: CollectingDispatcher, turn: Turn) -> list[dict[str, Any]]:
    """Says a flow's replies and returns its slots as events."""
    say(dispatcher, turn.replies)
    return [SlotSet(name, value) for name, value in turn.slots.items()]


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_entity(tracker: Tracker, name: str) -> str | None:
    """The first value of entity `name` in this turn (a button payload's or the NLU's), as text."""
    value = next(tracker.get_latest_entity_values(name), None)
    return None if value is None else str(value)


def transcript(tracker: Tracker) -> list[tuple[str, str]]:
    """The conversation so far as (who, text) pairs, user and bot messages only."""
    lines = []
    for event in tracker.events:
        if event.get("event") in ("user", "bot") and event.get("text"):
            lines.append((event["event"], event["text"]))
    return lines


Validator = Callable[..., Awaitable[dict[str, Any]]]


def typed_values_only(validate: Validator) -> Validator:
    """Makes a form's `validate_<slot>` judge only what the citizen typed.

    When a form starts, rasa-sdk validates every slot the previous action set (the trailing
    `SlotSet` events), clearings included: the start of an enterprise application cleared
    `binding_uscc`, and the citizen was told a code they had not typed yet was wrong. A
    cleared slot (None) is not an answer, so there is nothing to judge or say.
    """

    @functools.wraps(validate)
    async def judged(
        self: Any, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if value is None:
            return {}
        return await validate(self, value, dispatcher, tracker, domain)

    return judged
