"""Messages the NLU reads as little: a yes, a no, a bare answer, something out of scope or
unclear. Before the usual short reply, the text itself is read (bot/reading.py): "需要什么条件"
came back as *affirm* and "多少钱" as *out of scope*, yet both are questions about the topic at
hand, answered from its guide; a need outside the 13 hears where it is done.

This replaces Rasa's two-stage fallback loop: the clarification is one turn with the likely
needs as buttons, and its "ask a question" way on is the knowledge base answering the words
typed, so the citizen's question is never lost behind a `/ask_question` button.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import confirmation, latest_intent, say, typed_button
from actions.context import answer_in_context, elsewhere, likely_need, personal_reply, record_turn
from actions.fallback import clarification
from actions.handoff import hand_off, urgent_reason
from bot.knowledge.retriever import SUGGEST
from bot.language.text import normalize
from bot.reading import CONTINUATION, read

SHORT_REPLIES = {
    "affirm": "utter_affirm_ack",
    "deny": "utter_deny_ack",
    "inform": "utter_inform_outside_form",
    "out_of_scope": "utter_out_of_scope",
}
UNSURE = ("nlu_fallback", "out_of_scope")
"""Intents under which any question is worth a try in the knowledge base."""
QUEUED_AS = {"nlu_fallback": "fallback", "out_of_scope": "out_of_scope"}
"""How an unanswered turn of these intents shows in the editors' queue."""


class ActionReplyInContext(Action):
    def name(self) -> str:
        return "action_reply_in_context"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        intent = latest_intent(tracker) or "nlu_fallback"
        reason = urgent_reason(tracker)
        if reason:
            return hand_off(dispatcher, tracker, reason)
        button = typed_button(tracker)
        if button is not None and str(button.get("payload", "")).startswith("/start_application"):
            return [FollowupAction("action_start_application")]
        reading = read(text)
        continuation = bool(tracker.get_slot("service_item")) and bool(CONTINUATION.match(normalize(text)))
        tried = reading.topic_question or (intent in UNSURE and (reading.asks or continuation))
        if tried:  # the calculators come first in answer_in_context too
            answered = await answer_in_context(tracker, text, unanswered_as=QUEUED_AS.get(intent))
            need = likely_need(tracker) if intent == "nlu_fallback" and not answered.answered else None
            if need is not None:  # "帮帮我 孩子生了 我啥也不懂 要办啥": the need, not a list of questions
                say(dispatcher, confirmation(need))
                return [SlotSet("service_item", need.code)]
            suggestions = intent == "nlu_fallback" and reading.asks and answered.decision == SUGGEST
            if answered.answered or suggestions:
                say(dispatcher, answered.replies)
                return answered.events
            remembered = answered.events
        else:
            personal = personal_reply(tracker, text, tracker.get_slot("service_item"))
            if personal is not None and personal.answered:  # "孩子2022年9月5号出生的，哪年能上一年级？"
                say(dispatcher, personal.replies)
                return personal.events
            remembered = personal.events if personal is not None else []
            outside = elsewhere(tracker, text) if intent in UNSURE and not text.startswith("/") else None
            if outside is not None:
                say(dispatcher, outside.replies)
                return remembered
        if intent == "nlu_fallback":
            if not tried and not text.startswith("/"):  # a question tried is in the queue already
                record_turn(tracker, text, "fallback")
            say(dispatcher, clarification(tracker.latest_message.get("intent_ranking") or []))
            return remembered  # "2026年5月20日被罚的" is kept for the question that follows
        if intent == "out_of_scope" and not tried and not text.startswith("/"):
            record_turn(tracker, text, "out_of_scope")
        dispatcher.utter_message(response=SHORT_REPLIES.get(intent, "utter_ask_rephrase"))
        return remembered
