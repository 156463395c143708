"""Policy questions, answered from the knowledge base with the source (bot/knowledge)."""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import last_said, latest_entity, relay, say, start_labels
from actions.handoff import hand_off, urgent_reason
from bot.applications import flow as application_flow
from bot.applications import state as application_state
from bot.calculators.answers import Calculation, personal_answer, remembered
from bot.catalogue import ServiceItem, code_for_intent, get_item
from bot.dialogue import Reply
from bot.knowledge.answering import record_unanswered, respond
from bot.knowledge.config import KnowledgeSettings
from bot.knowledge.retriever import ANSWER, get_retriever
from bot.language.text import normalize
from bot.portal_client import services as portal_services
from bot.reading import CONTINUATION, read
from bot.scope import elsewhere_reply, outside_need
from bot.words import COMPLAINT_RECORDED, application_offer, service_confirmation

log = logging.getLogger(__name__)
KB_UNIT = "kb_unit"


def _unit_id(tracker: Tracker) -> int | None:
    """The unit a "您想问的是…" button picked (entity `kb_unit`), if this turn is such a click."""
    value = latest_entity(tracker, KB_UNIT)
    return int(value) if value and value.isdigit() else None


CALCULATION = "calculation"


@dataclass
class Answered:
    """A question's replies, the slot events that keep the conversation's topic, and whether it
    was really answered (a calculator, an answer from the knowledge base, or where to go)."""

    replies: list[Reply]
    events: list[dict[str, Any]] = field(default_factory=list)
    answered: bool = True
    decision: str = ANSWER


def _in_form(tracker: Tracker) -> bool:
    return tracker.active_loop_name == application_state.FORM


def _topic_events(tracker: Tracker, code: str | None) -> list[dict[str, Any]]:
    """The answered guide becomes the topic ("注销公司要多长时间" → deregistration), except in the
    middle of an application: a question there never changes the item being applied for."""
    if code and code != tracker.get_slot("service_item") and not _in_form(tracker):
        return [SlotSet("service_item", code)]
    return []


FOLLOW_UP_CHARS = 14
COMPLAINT_TERMS = "办不成事 反映窗口 投诉 接诉即办 联系 办结"
"""After a complaint, a short question is about the complaint's way (general.md, 五 and 六)."""


def _after_complaint(tracker: Tracker) -> bool:
    return COMPLAINT_RECORDED in last_said(tracker)


def _previous_question(tracker: Tracker) -> str | None:
    texts = [e.get("text") for e in tracker.events if e.get("event") == "user" and e.get("text")]
    earlier = [t for t in texts[:-1] if not t.startswith("/")]
    return earlier[-1] if earlier else None


def personal_reply(tracker: Tracker, text: str, code: str | None) -> Answered | None:
    """The calculators' answer to a personal question, with what it remembers for the next one."""
    kept = Calculation.from_slot(tracker.get_slot(CALCULATION))
    personal = personal_answer(text, code, kept)
    if personal is None:
        noted = remembered(text, kept)
        return Answered([], [SlotSet(CALCULATION, noted.to_slot())], answered=False) if noted != kept else None
    events = _topic_events(tracker, personal.service_code)
    if personal.calculation is not None:
        events.append(SlotSet(CALCULATION, personal.calculation.to_slot()))
    return Answered([personal.reply], events)


def elsewhere(tracker: Tracker, text: str) -> Answered | None:
    """Where to go for a need outside the 13, recorded for the editors like an unanswered question."""
    entry = outside_need(text)
    if entry is None:
        return None
    record_turn(tracker, text, "out_of_scope")
    return Answered([elsewhere_reply(entry)])


def record_turn(tracker: Tracker, text: str, outcome: str) -> None:
    channel = tracker.get_latest_input_channel()
    record_unanswered(text, None, tracker.get_slot("service_item"), channel, get_retriever().kb.db_url, outcome)


async def answer_in_context(
    tracker: Tracker, text: str, code: str | None = None, unanswered_as: str | None = None
) -> Answered:
    """A question answered where the conversation stands: a personal date computed, a need
    outside the 13 sent where it is done, a follow-up ("在哪办") read in the topic's guide, a
    "那…呢" read with the question before it. `code`: the item to read it in, if not the topic's."""
    code = code or tracker.get_slot("service_item")
    personal = personal_reply(tracker, text, code)
    if personal is not None and personal.answered:
        return personal
    remembered_events = personal.events if personal is not None else []
    if not code:
        outside = elsewhere(tracker, text)
        if outside is not None:
            return outside
    reading = read(text)
    previous = _previous_question(tracker) if CONTINUATION.match(normalize(text)) else None
    query = f"{previous} {text}" if previous else reading.query(text)
    if _after_complaint(tracker) and len(normalize(text)) <= FOLLOW_UP_CHARS:
        code, query = None, f"{text} {COMPLAINT_TERMS}"  # "那个窗口在哪" is the 办不成事 window
    result = await asyncio.to_thread(
        respond,
        get_retriever(),
        text,
        code,
        _unit_id(tracker),
        tracker.get_latest_input_channel(),
        reading.follow_up,
        query,
        unanswered_as,
    )
    if code and (result.decision != ANSWER or result.service_code not in (None, code)):
        outside = elsewhere(tracker, text)
        if outside is not None:
            return outside
    events = remembered_events + _topic_events(tracker, result.service_code)
    return Answered(result.replies, events, result.decision == ANSWER, result.decision)


class ActionAnswerQuestion(Action):
    """Answers from the knowledge base; inside an application, a message that is plainly the
    answer to the field asked (the NLU took it for a question) is taken as that answer."""

    def __init__(self) -> None:
        super().__init__()
        _start_warm_up()

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        question = tracker.latest_message.get("text") or ""
        reason = urgent_reason(tracker)
        if reason:
            return hand_off(dispatcher, tracker, reason)
        if _in_form(tracker) and application_flow.reads_as_answer(tracker.get_slot(application_state.SLOT), question):
            turn = await application_flow.answer(
                portal_services.services(), tracker.sender_id, tracker.get_slot(application_state.SLOT), question
            )
            return relay(dispatcher, turn)
        answered = await answer_in_context(tracker, question)
        need = likely_need(tracker)
        if need is not None and not answered.answered:  # "帮帮我 孩子生了 我啥也不懂 要办啥"
            say(dispatcher, service_confirmation(need, start_labels(need)))
            return [SlotSet("service_item", need.code)]
        say(dispatcher, answered.replies)
        if need is not None and read(question).wants:  # "想开个面馆，要多久能开业？": both
            say(dispatcher, service_confirmation(need, start_labels(need)))
            return [e for e in answered.events if e.get("name") != "service_item"] + [
                SlotSet("service_item", need.code)
            ]
        new_topic = get_item(next((e["value"] for e in answered.events if e.get("name") == "service_item"), ""))
        if new_topic is not None:  # "补办社保卡要钱吗" answered: the way to apply comes after
            say(dispatcher, application_offer(new_topic, start_labels(new_topic)))
        return answered.events


LIKELY_NEED = 0.2
"""A need the classifier ranked at least this high, behind 'question', is what a "要办啥" means."""


def likely_need(tracker: Tracker) -> ServiceItem | None:
    if _in_form(tracker):
        return None
    for entry in tracker.latest_message.get("intent_ranking") or []:
        code = code_for_intent(entry.get("name"))
        if code and (entry.get("confidence") or 0) >= LIKELY_NEED:
            return get_item(code)
    return None


async def knowledge_replies(tracker: Tracker, question: str) -> list[Reply]:
    """The answer in context to a question asked in the middle of a form (the topic stays)."""
    return (await answer_in_context(tracker, question)).replies


_warm_up_started = threading.Event()


def _warm_up() -> None:
    try:
        get_retriever().search("预热")
    except Exception:  # an empty or missing knowledge base is reported when a question comes
        log.warning("knowledge base warm-up failed", exc_info=True)


def _start_warm_up() -> None:
    """Loads the embedding model and the index in the background when the action server
    registers this action, before the first citizen waits for them (BANSHI_KB_WARM_UP=0 skips)."""
    if not KnowledgeSettings.from_env().warm_up or _warm_up_started.is_set():
        return
    _warm_up_started.set()
    threading.Thread(target=_warm_up, name="kb-warm-up", daemon=True).start()
