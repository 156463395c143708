"""Policy questions, answered from the knowledge base with the source (bot/knowledge)."""
from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import say
from bot.knowledge.answering import reply_for
from bot.knowledge.retriever import get_retriever
from bot.settings import env_value

log = logging.getLogger(__name__)
KB_UNIT = "kb_unit"


def _unit_id(tracker: Tracker) -> int | None:
    """The unit a "您想问的是…" button picked (entity `kb_unit`), if this turn is such a click."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == KB_UNIT:
            try:
                return int(entity.get("value"))
            except (TypeError, ValueError):
                return None
    return None


class ActionAnswerQuestion(Action):
    def __init__(self) -> None:
        super().__init__()
        _start_warm_up()

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        question = tracker.latest_message.get("text") or ""
        replies = await asyncio.to_thread(
            reply_for,
            get_retriever(),
            question,
            tracker.get_slot("service_item"),
            _unit_id(tracker),
            tracker.get_latest_input_channel(),
        )
        say(dispatcher, replies)
        return []


_warm_up_started = threading.Event()


def _warm_up() -> None:
    try:
        get_retriever().search("预热")
    except Exception:  # an empty or missing knowledge base is reported when a question comes
        log.warning("knowledge base warm-up failed", exc_info=True)


def _start_warm_up() -> None:
    """Loads the embedding model and the index in the background when the action server
    registers this action, before the first citizen waits for them (BANSHI_KB_WARM_UP=0 skips)."""
    if env_value("BANSHI_KB_WARM_UP", "1") == "0" or _warm_up_started.is_set():
        return
    _warm_up_started.set()
    threading.Thread(target=_warm_up, name="kb-warm-up", daemon=True).start()
