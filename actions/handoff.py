"""Handing the conversation to a human: record the request, tell the user what happens next.

Three ways in, told apart by the intent: asked for (转人工), distress (the crisis lines come
first, and they are said even if the record fails), a complaint (recorded as one). Someone who
cannot cope with the chat is offered the simplest paths instead (`action_offer_help`)."""

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
from bot.safety import in_crisis
from bot.words import HANDOFF_FAILED, complaint_reply, distress_reply, handoff_confirmation, help_reply

log = logging.getLogger(__name__)


REASONS = {"distress": "distress", "complain": "complaint"}
"""The handoff's recorded reason by the intent that led to it; anything else is a plain request."""


def _confirmation(reason: str, ticket: str) -> str:
    if reason == "distress":
        return distress_reply(ticket)
    if reason == "complaint":
        return complaint_reply(ticket)
    return handoff_confirmation(ticket)


class ActionHandoffToHuman(Action):
    def name(self) -> str:
        return "action_handoff_to_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        reason = "distress" if in_crisis(tracker.latest_message.get("text")) else REASONS.get(intent, "user_request")
        return hand_off(dispatcher, tracker, reason)


def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> list[dict[str, Any]]:
    """Records the handoff and tells the citizen what happens next (for distress, safety first)."""
    try:
        request = record_handoff(
            sender_id=tracker.sender_id,
            channel=tracker.get_latest_input_channel() or "unknown",
            transcript=transcript(tracker),
            service_item=tracker.get_slot("service_item"),
            reason=reason,
        )
    except Exception:  # the user must hear something useful whatever the database does
        log.exception("handoff not recorded for %s", mask_identifier(tracker.sender_id))
        say(dispatcher, Reply(distress_reply(None) if reason == "distress" else HANDOFF_FAILED))
        return [SlotSet(ACTIVE, False)]
    log.info("handoff %s (%s) recorded for %s", request.ticket, reason, mask_identifier(tracker.sender_id))
    say(dispatcher, Reply(_confirmation(reason, request.ticket)))
    return [SlotSet(ACTIVE, False)]  # a form left for a human is not being filled any more


class ActionOfferHelp(Action):
    def name(self) -> str:
        return "action_offer_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        say(dispatcher, help_reply())
        return []
