"""The two-stage fallback: first offer the likeliest intents back as buttons, then give up politely.

The second stage replaces Rasa's built-in `action_default_fallback` (which utters a fixed
domain response) so the hotline it names comes from the settings like everywhere else."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.common import say
from actions.handoff import hand_off
from bot.dialogue import Button, Reply
from bot.safety import in_crisis
from bot.words import ASK_AFFIRMATION, GAVE_UP, NONE_OF_THESE, intent_label

MAX_CANDIDATES = 3
FALLBACK_CANDIDATES = [{"name": "ask_question"}, {"name": "request_human"}]
"""Offered when no ranked intent is worth offering: a question, or a human."""


def candidate_buttons(intent_ranking: list[dict[str, Any]]) -> list[Button]:
    """Buttons for the top intents worth offering, best first, at most three."""
    buttons = []
    for entry in intent_ranking:
        name = entry.get("name") or ""
        label = intent_label(name)
        if label:
            buttons.append(Button(label, f"/{name}"))
        if len(buttons) == MAX_CANDIDATES:
            break
    return buttons


class ActionDefaultAskAffirmation(Action):
    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if in_crisis(tracker.latest_message.get("text")):
            return hand_off(dispatcher, tracker, "distress")
        ranking = tracker.latest_message.get("intent_ranking") or []
        buttons = candidate_buttons(ranking) or candidate_buttons(FALLBACK_CANDIDATES)
        say(dispatcher, Reply(ASK_AFFIRMATION, (*buttons, NONE_OF_THESE)))
        return []


class ActionDefaultFallback(Action):
    """Rasa's contract for the fallback: say something, then forget the turn it could not read."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        say(dispatcher, GAVE_UP)
        return [UserUtteranceReverted()]
