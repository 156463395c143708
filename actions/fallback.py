"""The first stage of the two-stage fallback: offer the likeliest intents back as buttons."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import say
from bot.messages import ASK_AFFIRMATION, NONE_OF_THESE, Button, Reply, intent_label

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
        ranking = tracker.latest_message.get("intent_ranking") or []
        buttons = candidate_buttons(ranking) or candidate_buttons(FALLBACK_CANDIDATES)
        say(dispatcher, Reply(ASK_AFFIRMATION, (*buttons, NONE_OF_THESE)))
        return []
