"""Recognising which 一件事 the user needs and confirming it from the catalogue."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_intent, say
from actions.handoff import hand_off
from bot.applications.form import consent_labels, get_form
from bot.catalogue import code_for_intent, get_item
from bot.safety import in_crisis
from bot.words import WHICH_ITEM, service_confirmation, service_menu


class ActionConfirmService(Action):
    """Confirms the recognised need in one sentence and says what comes next.

    The slot is set here as well as by its `from_intent` mapping: after a two-stage
    fallback the mapping's SlotSet is reverted with the unclear message, and the slot
    must still hold the code the user picked.
    """

    def name(self) -> str:
        return "action_confirm_service"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if in_crisis(tracker.latest_message.get("text")):
            return hand_off(dispatcher, tracker, "distress")  # the service can wait
        code = code_for_intent(latest_intent(tracker)) or tracker.get_slot("service_item")
        item = get_item(code) if code else None
        if item is None:
            say(dispatcher, service_menu(WHICH_ITEM))
            return []
        form = get_form(item.code)
        say(dispatcher, service_confirmation(item, consent_labels(form, form.subjects[0])))
        return [SlotSet("service_item", item.code)]
