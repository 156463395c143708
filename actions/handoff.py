"""Handing the conversation to a human: record the request, tell the user what happens next."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import say, transcript
from bot.applications.state import ACTIVE
from bot.dialogue import Reply
from bot.handoff import record_handoff
from bot.privacy import mask_identifier
from bot.words import HANDOFF_FAILED, handoff_confirmation

log = logging.getLogger(__name__)


class ActionHandoffToHuman(Action):
    def name(self) -> str:
        return "action_handoff_to_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            request = record_handoff(
                sender_id=tracker.sender_id,
                channel=tracker.get_latest_input_channel() or "unknown",
                transcript=transcript(tracker),
                service_item=tracker.get_slot("service_item"),
            )
        except Exception:  # the user must hear something useful whatever the database does
            log.exception("handoff not recorded for %s", mask_identifier(tracker.sender_id))
            say(dispatcher, Reply(HANDOFF_FAILED))
            return [SlotSet(ACTIVE, False)]
        log.info("handoff %s recorded for %s", request.ticket, mask_identifier(tracker.sender_id))
        say(dispatcher, Reply(handoff_confirmation(request.ticket)))
        return [SlotSet(ACTIVE, False)]  # a form left for a human is not being filled any more
