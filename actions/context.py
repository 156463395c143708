"""Answering where the conversation stands, for every action that meets a question: a personal
date computed (bot/calculators/answers.py), a need outside the 13 sent where it is done
(bot/scope.py), a follow-up read in the topic's guide, a "那…呢" read with the question before
it, a short question after a complaint read as one about the complaint's way. The answered guide
becomes the topic, except in the middle of an application."""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.common import last_said, latest_entity, transcript
from bot.applications import state as application_state
from bot.calculators.answers import Calculation, personal_answer, remembered
from bot.catalogue import ServiceItem, code_for_intent, get_item
from bot.dialogue import Reply
from bot.knowledge.answering import record_unanswered, respond
from bot.knowledge.retriever import ANSWER, get_retriever
from bot.language.text import normalize
from bot.reading import CONTINUATION, read
from bot.scope import elsewhere_reply, outside_need
from bot.ticket_replies import COMPLAINT_RECORDED

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


def in_form(tracker: Tracker) -> bool:
    return tracker.active_loop_name == application_state.FORM


def _topic_events(tracker: Tracker, code: str | None) -> list[dict[str, Any]]:
    """The answered guide becomes the topic ("注销公司要多长时间" → deregistration), except in the
    middle of an application: a question there never changes the item being applied for."""
    if code and code != tracker.get_slot("service_item") and not in_form(tracker):
        return [SlotSet("service_item", code)]
    return []


FOLLOW_UP_CHARS = 14
COMPLAINT_TERMS = "办不成事 反映窗口 投诉 接诉即办 联系 办结"
"""After a complaint, a short question is about the complaint's way (general.md, 五 and 六)."""


def _after_complaint(tracker: Tracker) -> bool:
    return COMPLAINT_RECORDED in last_said(tracker)


def _previous_question(tracker: Tracker) -> str | None:
    said = [text for who, text in transcript(tracker) if who == "user"]
    earlier = [text for text in said[:-1] if not text.startswith("/")]
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
        functools.partial(
            respond,
            get_retriever(),
            text,
            service_item=code,
            unit_id=_unit_id(tracker),
            channel=tracker.get_latest_input_channel(),
            follow_up=reading.follow_up,
            query=query,
            unanswered_as=unanswered_as,
        )
    )
    if code and (result.decision != ANSWER or result.service_code not in (None, code)):
        outside = elsewhere(tracker, text)
        if outside is not None:
            return outside
    events = remembered_events + _topic_events(tracker, result.service_code)
    return Answered(result.replies, events, result.decision == ANSWER, result.decision)


LIKELY_NEED = 0.2
"""A need the classifier ranked at least this high, behind 'question', is what a "要办啥" means."""


def likely_need(tracker: Tracker) -> ServiceItem | None:
    if in_form(tracker):
        return None
    for entry in tracker.latest_message.get("intent_ranking") or []:
        code = code_for_intent(entry.get("name"))
        if code and (entry.get("confidence") or 0) >= LIKELY_NEED:
            return get_item(code)
    return None
