"""Policy questions, answered from the knowledge base with the source (bot/knowledge)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import confirmation, offer, relay, say
from actions.context import answer_in_context, in_form, likely_need
from actions.handoff import hand_off, urgent_reason
from bot import cards
from bot.applications import flow as application_flow
from bot.applications import state as application_state
from bot.catalogue import get_item
from bot.dialogue import Reply
from bot.knowledge.config import KnowledgeSettings
from bot.knowledge.retriever import get_retriever
from bot.portal_client import services as portal_services
from bot.reading import read

log = logging.getLogger(__name__)


class ActionAnswerQuestion(Action):
    """Answers from the knowledge base; inside an application, a message that is plainly the
    answer to the field asked (the NLU took it for a question) is taken as that answer."""

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        question = tracker.latest_message.get("text") or ""
        reason = urgent_reason(tracker)
        if reason:
            return hand_off(dispatcher, tracker, reason)
        if in_form(tracker) and application_flow.reads_as_answer(tracker.get_slot(application_state.SLOT), question):
            turn = await application_flow.answer(
                portal_services.services(), tracker.sender_id, tracker.get_slot(application_state.SLOT), question
            )
            return relay(dispatcher, turn)
        answered = await answer_in_context(tracker, question)
        need = likely_need(tracker)
        if need is not None and not answered.answered:  # "帮帮我 孩子生了 我啥也不懂 要办啥"
            say(dispatcher, confirmation(need))
            return [SlotSet("service_item", need.code)]
        say(dispatcher, answered.replies)
        if need is not None and read(question).wants:  # "想开个面馆，要多久能开业？": both
            say(dispatcher, confirmation(need))
            return [e for e in answered.events if e.get("name") != "service_item"] + [
                SlotSet("service_item", need.code)
            ]
        new_topic = get_item(next((e["value"] for e in answered.events if e.get("name") == "service_item"), ""))
        if new_topic is not None:  # "补办社保卡要钱吗" answered: the way to apply comes after
            if new_topic.code == cards.ITEM and cards.mentions_loss(question):
                say(dispatcher, cards.offer())  # "社保卡丢了怎么办": frozen first
            say(dispatcher, offer(new_topic))
        return answered.events


async def knowledge_replies(tracker: Tracker, question: str) -> list[Reply]:
    """The answer in context to a question asked in the middle of a form (the topic stays)."""
    return (await answer_in_context(tracker, question)).replies


_warm_up_started = threading.Event()
_warmed_up = threading.Event()


def _warm_up() -> None:
    try:
        get_retriever().search("预热")
    except Exception:  # an empty or missing knowledge base is reported when a question comes
        log.warning("knowledge base warm-up failed", exc_info=True)
    finally:
        _warmed_up.set()


def is_ready() -> bool:
    """False while the embedding model and the index are still loading (GET /ready, registered
    in rasa_sdk_plugins): a restarted action server that took questions at once made the first
    citizens wait ~20 s (scripts/bench_faults.py)."""
    return _warmed_up.is_set() or not KnowledgeSettings.from_env().warm_up


def start_warm_up() -> None:
    """Loads the embedding model and the index in the background as the action server's worker
    starts, before the first citizen waits for them (BANSHI_KB_WARM_UP=0 skips). Called from the
    worker's own start (rasa_sdk_plugins): rasa-sdk on Sanic 25 registers the actions in a
    manager process and serves from a worker that unpickles them, so a warm-up started when the
    actions were made loaded a second model (1 GB) in the manager, where no question comes, and
    left the worker's /ready saying yes before its model was there."""
    if not KnowledgeSettings.from_env().warm_up or _warm_up_started.is_set():
        return
    _warm_up_started.set()
    threading.Thread(target=_warm_up, name="kb-warm-up", daemon=True).start()
