"""Policy questions, answered from the knowledge base with the source (bot/knowledge)."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_entity, relay, say
from actions.handoff import hand_off
from bot.applications import flow as application_flow
from bot.applications import state as application_state
from bot.dialogue import Reply
from bot.knowledge.answering import reply_for
from bot.knowledge.config import KnowledgeSettings
from bot.knowledge.retriever import get_retriever
from bot.portal_client import services as portal_services
from bot.safety import in_crisis

log = logging.getLogger(__name__)
KB_UNIT = "kb_unit"


def _unit_id(tracker: Tracker) -> int | None:
    """The unit a "您想问的是…" button picked (entity `kb_unit`), if this turn is such a click."""
    value = latest_entity(tracker, KB_UNIT)
    return int(value) if value and value.isdigit() else None


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
        if in_crisis(question):
            return hand_off(dispatcher, tracker, "distress")
        if tracker.active_loop_name == application_state.FORM and application_flow.reads_as_answer(
            tracker.get_slot(application_state.SLOT), question
        ):
            turn = await application_flow.answer(
                portal_services.services(), tracker.sender_id, tracker.get_slot(application_state.SLOT), question
            )
            return relay(dispatcher, turn)
        say(dispatcher, await knowledge_replies(tracker, question))
        return []


async def knowledge_replies(tracker: Tracker, question: str) -> list[Reply]:
    """The knowledge base's answer (or suggestions, or an honest "not found") to `question`."""
    return await asyncio.to_thread(
        reply_for,
        get_retriever(),
        question,
        tracker.get_slot("service_item"),
        _unit_id(tracker),
        tracker.get_latest_input_channel(),
    )


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
