"""好差评 in the chat: the offer after an answer, a human's help, a 办结 case or a solved ticket;
the rating from its buttons (or typed); for a 差评 the reasons and the citizen's own words,
taken by `rating_comment_form`. Thin over bot/ratings.py and bot/rating_replies.py."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_entity, say
from bot import rating_replies as words
from bot import ratings, tickets
from bot.dialogue import Reply
from bot.editing.unanswered import record_bad_rating
from bot.privacy import mask_identifier
from bot.ticket_replies import solved_notice

log = logging.getLogger(__name__)

RATING_TARGET_SLOT = "rating_target"
"""Set through Rasa's API by the workspace before it runs `action_offer_rating` (a handoff closed,
a ticket solved, a 差评 rectified)."""
RATING_OPEN_SLOT = "rating_open"
"""The 差评 whose reasons and comment the citizen is giving."""
COMMENT_SLOT = "rating_comment"
COMMENT_FORM = "rating_comment_form"
SOURCE_MARK = "来源"
"""In every answer from the guides: the bot's answers in this session are worth rating."""


def session_key(tracker: Tracker) -> str:
    """The conversation session, as the key of its answers' rating."""
    started = [e.get("timestamp") for e in tracker.events if e.get("event") == "session_started"]
    return str(int(float(started[-1] or 0))) if started else "0"


def answered_in_session(tracker: Tracker) -> bool:
    """Whether the bot answered from the guides (an answer citing its source) since the
    session started."""
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            return False
        if event.get("event") == "bot" and SOURCE_MARK in (event.get("text") or ""):
            return True
    return False


def offer_once(dispatcher: CollectingDispatcher, tracker: Tracker, target: str, lead: str = "") -> bool:
    """Shows the offer unless this citizen was offered to rate `target` before."""
    try:
        first = ratings.offer(tracker.sender_id, target)
    except Exception:  # an offer is a courtesy: never worth an error in the chat
        log.exception("rating offer not recorded for %s", mask_identifier(tracker.sender_id))
        return False
    if first:
        say(dispatcher, words.offer(target, lead))
    return first


class ActionThank(Action):
    """Thanks; after the bot answered from the guides in this session, the one offer to rate it."""

    def name(self) -> str:
        return "action_thank"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_thank")
        if answered_in_session(tracker):
            offer_once(dispatcher, tracker, f"answer:{session_key(tracker)}")
        return []


RECTIFIED = "rectified:"
"""The workspace's target for a 差评 rectified: its result is told and a new rating invited."""


class ActionOfferRating(Action):
    """Run by the workspace through Rasa's API, on the citizen's own channel: after a handoff,
    a solved ticket (its result first) or a rectified 差评 (its result, and a new rating)."""

    def name(self) -> str:
        return "action_offer_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        target = tracker.get_slot(RATING_TARGET_SLOT)
        target = target if isinstance(target, str) else ""
        if target.startswith(RECTIFIED) and target[len(RECTIFIED) :].isdigit():
            rating = ratings.get(int(target[len(RECTIFIED) :]))
            if rating is not None and rating.sender_id == tracker.sender_id and rating.follow_up == "rectified":
                say(dispatcher, words.rectified(rating))
        elif ratings.target_kind(target) == "ticket" and target[len("ticket:") :].isdigit():
            ticket = tickets.get(int(target[len("ticket:") :]))
            if ticket is not None and ticket.sender_id == tracker.sender_id and ticket.status == "solved":
                say(dispatcher, Reply(solved_notice(ticket)))
                offer_once(dispatcher, tracker, target)
        elif ratings.target_kind(target):
            offer_once(dispatcher, tracker, target)
        return [SlotSet(RATING_TARGET_SLOT, None)]


class ActionRate(Action):
    """A level (button or typed), or a reason for a 差评; "我要评价" alone shows the offer."""

    def name(self) -> str:
        return "action_rate"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            return self._rate(dispatcher, tracker)
        except ratings.AlreadyRated:
            say(dispatcher, Reply(words.ALREADY_RATED))
        except ratings.RatingError as refused:
            say(dispatcher, Reply(str(refused)))
        except Exception:
            log.exception("rating not stored for %s", mask_identifier(tracker.sender_id))
            say(dispatcher, Reply(words.RATING_FAILED))
        return []

    def _rate(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        rating_id, reason = latest_entity(tracker, words.RATING_ENTITY), latest_entity(tracker, words.REASON_ENTITY)
        if rating_id and reason:
            rating = ratings.add_reason(int(rating_id), tracker.sender_id, reason)
            say(dispatcher, words.reason_taken(rating.reasons))
            events: list[dict[str, Any]] = [SlotSet(RATING_OPEN_SLOT, str(rating.id))]
            # inside the form its rule goes back to it; a reason picked later reopens it
            in_form = tracker.active_loop.get("name") == COMMENT_FORM
            return events if in_form else [*events, FollowupAction(COMMENT_FORM)]
        target = latest_entity(tracker, words.TARGET_ENTITY) or ratings.last_offer(tracker.sender_id)
        if target is None and answered_in_session(tracker):
            target = f"answer:{session_key(tracker)}"
        if target is None or ratings.target_kind(target) is None:
            say(dispatcher, Reply(words.NOTHING_TO_RATE))
            return []
        level = latest_entity(tracker, words.LEVEL_ENTITY)
        level_value = int(level) if level and level.isdigit() else words.typed_level(tracker.latest_message.get("text"))
        if level_value is None:
            ratings.offer(tracker.sender_id, target)
            say(dispatcher, words.offer(target))
            return []
        rating = ratings.rate(
            tracker.sender_id,
            target,
            level_value,
            channel=tracker.get_latest_input_channel() or "unknown",
            service_item=tracker.get_slot("service_item"),
        )
        log.info("rating %s (%d) for %s", rating.id, rating.level, mask_identifier(tracker.sender_id))
        if rating.bad and rating.target_kind == "answer":  # the answered question, for the editors' queue
            record_bad_rating(tracker.events, rating.service_item, rating.channel)
        say(dispatcher, words.thanks(rating))
        if rating.bad:  # its reasons are buttons; the citizen's own words go to the comment form
            return [SlotSet(RATING_OPEN_SLOT, str(rating.id)), FollowupAction(COMMENT_FORM)]
        return []


class ActionAskRatingComment(Action):
    """The comment form's question was already asked by the thanks or the reason taken."""

    def name(self) -> str:
        return f"action_ask_{COMMENT_SLOT}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return []


class ActionRatingComment(Action):
    """Stores the 差评's comment (or notes there is none) once the form has it."""

    def name(self) -> str:
        return "action_rating_comment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        comment, rating_id = tracker.get_slot(COMMENT_SLOT), tracker.get_slot(RATING_OPEN_SLOT)
        given = isinstance(comment, str) and comment.strip() not in ("", words.NO_COMMENT_VALUE)
        if given and rating_id:
            try:
                ratings.add_comment(int(rating_id), tracker.sender_id, comment)
            except Exception:
                log.exception("rating comment not stored for %s", mask_identifier(tracker.sender_id))
                say(dispatcher, Reply(words.RATING_FAILED))
                return [SlotSet(COMMENT_SLOT, None), SlotSet(RATING_OPEN_SLOT, None)]
        say(dispatcher, Reply(words.COMMENT_TAKEN if given else words.NO_COMMENT_TAKEN))
        return [SlotSet(COMMENT_SLOT, None), SlotSet(RATING_OPEN_SLOT, None)]
