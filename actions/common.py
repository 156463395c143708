"""Helpers the action modules share."""
from __future__ import annotations

from typing import Iterable

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.messages import Reply


def say(dispatcher: CollectingDispatcher, replies: Reply | Iterable[Reply]) -> None:
    """Sends one or several replies in order."""
    for reply in [replies] if isinstance(replies, Reply) else replies:
        dispatcher.utter_message(**reply.as_kwargs())


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def transcript(tracker: Tracker) -> list[tuple[str, str]]:
    """The conversation so far as (who, text) pairs, user and bot messages only."""
    lines = []
    for event in tracker.events:
        if event.get("event") in ("user", "bot") and event.get("text"):
            lines.append((event["event"], event["text"]))
    return lines
