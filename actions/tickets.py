"""办不成事 and complaints in the chat: a ticket with its number, owner and clock, and how the
citizen's tickets stand when they ask. Thin over bot/tickets.py and bot/ticket_replies.py."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import say, transcript
from bot import tickets
from bot.applications.state import ACTIVE
from bot.dialogue import Reply
from bot.privacy import mask_identifier
from bot.ticket_replies import asks_progress, progress, registered
from bot.wording import said
from bot.words import HANDOFF_FAILED

log = logging.getLogger(__name__)

DESCRIBED_BY = 3
"""How many of the citizen's last messages make the ticket's description."""


def description(tracker: Tracker) -> str:
    """The citizen's own last words (not buttons' payloads): what the department reads."""
    said = [text for who, text in transcript(tracker) if who == "user" and not text.startswith("/")]
    return " / ".join(said[-DESCRIBED_BY:]) or (tracker.latest_message.get("text") or "")


def show_progress(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Says how the citizen's tickets stand when the message asks that; False if it does not."""
    if not asks_progress(tracker.latest_message.get("text")):
        return False
    say(dispatcher, progress(tickets.of_sender(tracker.sender_id)))
    return True


def file_ticket(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    """Registers a 办不成事 ticket for the owning department and tells its clock; a question
    about tickets already made ("我的投诉怎么样了") is answered instead of making a new one."""
    try:
        if show_progress(dispatcher, tracker):
            return []
        ticket = tickets.open_ticket(
            description(tracker),
            source="chat",
            channel=tracker.get_latest_input_channel() or "unknown",
            sender_id=tracker.sender_id,
            service_item=tracker.get_slot("service_item"),
        )
    except Exception:  # the citizen must hear a way forward whatever the database does
        log.exception("ticket not registered for %s", mask_identifier(tracker.sender_id))
        say(dispatcher, Reply(said("handoff_failed", HANDOFF_FAILED)))
        return [SlotSet(ACTIVE, False)]
    log.info("ticket %s (%s) registered for %s", ticket.number, ticket.category, mask_identifier(tracker.sender_id))
    say(dispatcher, registered(ticket))
    return [SlotSet(ACTIVE, False)]
