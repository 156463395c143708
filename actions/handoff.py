"""Handing the conversation to a human: record the request, tell the user what happens next.

Three ways in, told apart by the intent: asked for (转人工), distress (the crisis lines come
first, and they are said even if the record fails), a complaint or 办不成事 (a ticket for the
owning department, actions/tickets.py). Someone who cannot cope with the chat is offered the
simplest paths instead (`action_offer_help`)."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import say, transcript
from actions.context import answer_in_context
from actions.tickets import file_ticket
from bot.applications.state import ACTIVE
from bot.dialogue import Reply
from bot.handoff import awaiting_human, record_handoff
from bot.privacy import mask_identifier
from bot.safety import in_crisis, runaround, still_hopeless
from bot.service_hours import service_hours, spoken
from bot.settings import settings
from bot.ticket_replies import asks_progress
from bot.wording import said
from bot.words import (
    BACK_TO_BOT,
    HANDOFF_FAILED,
    distress_reply,
    handoff_after_hours,
    handoff_confirmation,
    help_reply,
)

log = logging.getLogger(__name__)


REASONS = {"distress": "distress", "complain": "complaint"}
"""The handoff's recorded reason by the intent that led to it; anything else is a plain request."""


def _confirmation(reason: str, ticket: str, ahead: int, opening: datetime | None) -> str:
    if reason == "distress":
        return distress_reply(ticket)
    if opening is not None:
        return handoff_after_hours(ticket, spoken(opening, datetime.now(timezone.utc)))
    return handoff_confirmation(ticket, ahead)


class ActionHandoffToHuman(Action):
    def name(self) -> str:
        return "action_handoff_to_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        reason = "distress" if in_danger(tracker) else REASONS.get(intent, "user_request")
        events = hand_off(dispatcher, tracker, reason)
        text = tracker.latest_message.get("text") or ""
        if reason == "complaint" and not asks_progress(
            text
        ):  # "燃气公司说红线外的管子也要我出钱": the rule is told too
            answered = await answer_in_context(tracker, text)
            if answered.answered:
                say(dispatcher, answered.replies)
        return events


def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> list[dict[str, Any]]:
    """Records the handoff and tells the citizen what happens next (for distress, safety first).

    In service hours the conversation is paused until an agent takes it (the bot must not talk
    over them); out of hours it is not: the citizen hears when someone will answer at the
    earliest, and the bot goes on helping until then. Distress never pauses it, and a
    complaint is a ticket for the department, not a wait for an agent."""
    if reason == "complaint":
        return file_ticket(dispatcher, tracker)
    now = datetime.now(timezone.utc)
    hours = service_hours()
    in_hours = hours.open_at(now)
    # only a plain request waits in silence for the agent: someone in distress must hear the
    # crisis lines again whenever they write
    live = in_hours and reason == "user_request"
    try:
        request = record_handoff(
            sender_id=tracker.sender_id,
            channel=tracker.get_latest_input_channel() or "unknown",
            transcript=transcript(tracker),
            service_item=tracker.get_slot("service_item"),
            reason=reason,
            paused=live,
        )
    except Exception:  # the user must hear something useful whatever the database does
        log.exception("handoff not recorded for %s", mask_identifier(tracker.sender_id))
        say(dispatcher, Reply(distress_reply(None) if reason == "distress" else said("handoff_failed", HANDOFF_FAILED)))
        return [SlotSet(ACTIVE, False)]
    log.info("handoff %s (%s) recorded for %s", request.ticket, reason, mask_identifier(tracker.sender_id))
    opening = None if in_hours else hours.next_opening(now)
    say(dispatcher, Reply(_confirmation(reason, request.ticket, request.queue_ahead, opening)))
    events: list[dict[str, Any]] = [SlotSet(ACTIVE, False)]  # a form left for a human is not being filled any more
    return [*events, ConversationPaused()] if live else events


class ActionOfferHelp(Action):
    def name(self) -> str:
        return "action_offer_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        reason = urgent_reason(tracker)
        if reason:  # "没人帮得了我" after the crisis lines: the lines again, and a human
            return hand_off(dispatcher, tracker, reason)
        say(dispatcher, help_reply())
        return []


def in_danger(tracker: Tracker) -> bool:
    """A crisis cue now, or hopelessness after the crisis lines were given in this conversation."""
    text = tracker.latest_message.get("text")
    if in_crisis(text):
        return True
    crisis_line = f"心理援助热线{settings.crisis_line}"
    return still_hopeless(text) and any(crisis_line in said for who, said in transcript(tracker) if who == "bot")


def urgent_reason(tracker: Tracker) -> str | None:
    """Why this message must go to a human before anything else: danger, or a 办不成事 complaint."""
    if in_danger(tracker):
        return "distress"
    if runaround(tracker.latest_message.get("text")):
        return "complaint"
    return None


class ActionSessionStart(Action):
    """Rasa's session start, which would lift a pause after an hour of silence: a conversation
    waiting for (or with) a human stays paused until the agent hands it back or closes it."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        carried = [SlotSet(name, value) for name, value in tracker.slots.items() if value is not None]
        events: list[dict[str, Any]] = [SessionStarted(), *carried]
        if awaiting_human(tracker.sender_id) is not None:
            events.append(ConversationPaused())
        return [*events, ActionExecuted("action_listen")]


AGENT_MESSAGE_SLOT = "agent_message"
AGENT_PREFIX = "【人工客服】"
"""Before an agent's words on every channel: the citizen knows a person is writing, not the bot."""


class ActionRelayAgentMessage(Action):
    """Says what an agent wrote (the staff web app sets the slot and runs this action through
    Rasa's API on the citizen's own channel), so the words are in the tracker as sent."""

    def name(self) -> str:
        return "action_relay_agent_message"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = tracker.get_slot(AGENT_MESSAGE_SLOT)
        if isinstance(text, str) and text.strip():
            # the hand-back sentence is the bot's own ("由我继续为您服务"), not the agent's
            own = text.strip() in (BACK_TO_BOT, said("back_to_bot", BACK_TO_BOT))
            dispatcher.utter_message(text=text.strip() if own else AGENT_PREFIX + text.strip())
        return [SlotSet(AGENT_MESSAGE_SLOT, None)]
