"""Greeting and capability answers, both ending with the service menu."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_intent, say
from bot.applications import flow as application_flow
from bot.portal_client import services as portal_services
from bot.wording import said
from bot.words import CAPABILITIES, GREETING, service_menu


class ActionShowMenu(Action):
    """The menu, and for a returning user with a saved draft, the offer to continue it."""

    def name(self) -> str:
        return "action_show_menu"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if latest_intent(tracker) == "ask_capabilities":
            intro = said("capabilities", CAPABILITIES)
        else:
            intro = said("greeting", GREETING)
        say(dispatcher, service_menu(intro))
        say(dispatcher, await application_flow.unfinished(portal_services.services(), tracker.sender_id))
        return []
