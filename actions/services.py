"""Recognising which 一件事 the user needs and confirming it from the catalogue."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import confirmation, latest_intent, offer, say, transcript
from actions.context import answer_in_context, elsewhere, personal_reply
from actions.handoff import hand_off, urgent_reason
from bot import cards
from bot.catalogue import code_for_intent, get_item
from bot.language.text import normalize
from bot.reading import ELDERLY, asks_status, read
from bot.wording import said
from bot.words import WHICH_ITEM, service_menu

HOME_VISIT_QUESTION = "老年人行动不便，能预约上门办理或者让家人代办吗"


def _elderly(tracker: Tracker) -> bool:
    return any(ELDERLY.search(normalize(said)) for who, said in transcript(tracker) if who == "user")


class ActionConfirmService(Action):
    """Confirms the recognised need in one sentence and says what comes next.

    A question that names a service ("补办社保卡要钱吗") is answered, with the way to apply
    offered after it, rather than taken for a request to apply; a message carrying a need and a
    question ("想开个面馆，要多久能开业？") gets both; a need the classifier could only map onto
    one of the 13 ("我想跑网约车") hears where it is done instead.
    """

    def name(self) -> str:
        return "action_confirm_service"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        reason = urgent_reason(tracker)
        if reason:
            return hand_off(dispatcher, tracker, reason)  # the service can wait
        if asks_status(text):
            return [FollowupAction("action_check_status")]  # about an application made, not a new one
        code = code_for_intent(latest_intent(tracker)) or tracker.get_slot("service_item")
        item = get_item(code) if code else None
        if item is None:
            say(dispatcher, service_menu(said("which_item", WHICH_ITEM)))
            return []
        outside = elsewhere(tracker, text) if not text.startswith("/") else None
        if outside is not None:
            say(dispatcher, outside.replies)
            return [SlotSet("service_item", None)]  # the item the classifier mapped it onto is not the topic
        events: list[dict[str, Any]] = [SlotSet("service_item", item.code)]
        reading = read(text)
        if reading.asks:  # the calculators come first in answer_in_context too
            answered = await answer_in_context(tracker, text, item.code)
        else:
            answered = personal_reply(tracker, text, item.code)
        if answered is not None:
            events += [e for e in answered.events if e.get("name") != "service_item"]
        if item.code == cards.ITEM and cards.mentions_loss(text):
            say(dispatcher, cards.offer())  # a lost card is frozen before a new one is applied for
        if answered is None or not answered.answered:
            say(dispatcher, confirmation(item))
            if _elderly(tracker):  # "八十多了…就想办个社保卡": the way without a trip or a phone
                home = await answer_in_context(tracker, HOME_VISIT_QUESTION, item.code)
                if home.answered:
                    say(dispatcher, home.replies)
            return events
        say(dispatcher, [*answered.replies, confirmation(item) if reading.wants else offer(item)])
        return events
