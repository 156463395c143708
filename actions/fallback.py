"""When the assistant cannot tell what the citizen wants: offer the likeliest needs back as
buttons (`actions/unclear.py` decides when), and Rasa's last-resort fallback.

The last resort replaces Rasa's built-in `action_default_fallback` (which utters a fixed
domain response) so the hotline it names comes from the settings like everywhere else."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.common import say
from bot.dialogue import Button, Reply
from bot.wording import said
from bot.words import ASK_AFFIRMATION, GAVE_UP, NONE_OF_THESE, intent_label

MAX_CANDIDATES = 3
FALLBACK_CANDIDATES = [{"name": "request_human"}]
"""Offered when no ranked intent is worth offering: a human."""


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


def clarification(intent_ranking: list[dict[str, Any]]) -> Reply:
    buttons = candidate_buttons(intent_ranking) or candidate_buttons(FALLBACK_CANDIDATES)
    return Reply(said("fallback_ask", ASK_AFFIRMATION), (*buttons, NONE_OF_THESE))


class ActionDefaultFallback(Action):
    """Rasa's contract for the fallback: say something, then forget the turn it could not read."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        say(dispatcher, Reply(said("fallback_gave_up", GAVE_UP.text), GAVE_UP.buttons))
        return [UserUtteranceReverted()]
