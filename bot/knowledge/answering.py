"""From a citizen's question to the assistant's reply: answer with the source, offer the
likely questions, or say honestly that the knowledge base does not know.

Every question that is not answered with confidence is written (masked) to `kb_unanswered`,
so that editors see what citizens ask and the knowledge base lacks — the record MaxKB users
miss most.
"""

from __future__ import annotations

import logging
import re

from sqlalchemy import select

from bot.db import session_factory
from bot.dialogue import Button, Reply
from bot.knowledge import words
from bot.knowledge.retriever import ANSWER, SUGGEST, Hit, Retriever, SearchResult
from bot.knowledge.store import KbUnanswered
from bot.privacy import mask_text

log = logging.getLogger(__name__)

EXCERPT_CHARS = 360
SUGGESTIONS = 3
_SENTENCE_END = re.compile(r"[。！？；]")


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The unit's text, cut at a sentence end when it is long: a chat bubble, not a page."""
    if len(text) <= limit:
        return text
    cut = max((m.end() for m in _SENTENCE_END.finditer(text, 0, limit)), default=limit)
    return text[:cut].rstrip() + words.CUT_SHORT


def answer_reply(hit: Hit) -> Reply:
    return Reply(words.with_source(excerpt(hit.text), hit.citation))


def _suggestion_title(hit: Hit) -> str:
    if hit.question:
        return hit.question
    short = hit.title.removesuffix("一件事")
    return f"{short}：{hit.section}"


def suggestion_reply(hits: list[Hit]) -> Reply:
    buttons = [Button(_suggestion_title(h), f'/ask_question{{"kb_unit":"{h.unit_id}"}}') for h in hits[:SUGGESTIONS]]
    return Reply(words.SUGGEST_INTRO, (*buttons, words.NONE_FITS))


def record_unanswered(
    question: str, result: SearchResult | None, service_item: str | None, channel: str | None, db_url: str | None = None
) -> None:
    """Keeps the question (masked) for the editors; never lets a logging failure reach the user."""
    best = result.best if result else None
    row = KbUnanswered(
        question=mask_text(question)[:1000],
        outcome=result.decision if result else "unavailable",
        confidence=float(result.confidence) if result else 0.0,
        service_item=service_item,
        best_unit_id=best.unit_id if best else None,
        best_citation=best.citation[:500] if best else None,
        channel=(channel or "")[:32] or None,
    )
    try:
        with session_factory(db_url)() as session, session.begin():
            session.add(row)
    except Exception:  # the answer matters more than the record
        log.exception("could not record an unanswered question")


def reply_for(
    retriever: Retriever,
    question: str,
    service_item: str | None = None,
    unit_id: int | None = None,
    channel: str | None = None,
) -> list[Reply]:
    """The replies to a policy question (or to a suggestion button carrying `unit_id`)."""
    if unit_id is not None:
        hit = retriever.unit(unit_id)
        return [answer_reply(hit)] if hit else [Reply(words.UNIT_GONE)]
    if not question.strip():
        return [Reply(words.EMPTY_QUESTION)]
    try:
        result = retriever.search(question, k=SUGGESTIONS, service_code=service_item)
    except Exception:
        log.exception("knowledge base search failed")
        record_unanswered(question, None, service_item, channel, retriever.kb.db_url)
        return [Reply(words.KB_UNAVAILABLE, (words.NONE_FITS,))]
    log.info(
        "kb question=%s decision=%s confidence=%.3f best=%s",
        mask_text(question)[:80],
        result.decision,
        result.confidence,
        result.best.unit_id if result.best else None,
    )
    if result.generation is None:
        record_unanswered(question, None, service_item, channel, retriever.kb.db_url)
        return [Reply(words.KB_UNAVAILABLE, (words.NONE_FITS,))]
    if result.decision == ANSWER and result.best:
        return [answer_reply(result.best)]
    record_unanswered(question, result, service_item, channel, retriever.kb.db_url)
    if result.decision == SUGGEST and result.hits:
        return [suggestion_reply(result.hits)]
    return [Reply(words.NOT_IN_KB, (words.NONE_FITS,))]


def recent_unanswered(limit: int = 50, db_url: str | None = None) -> list[KbUnanswered]:
    with session_factory(db_url)() as session:
        return list(session.scalars(select(KbUnanswered).order_by(KbUnanswered.created_at.desc()).limit(limit)))
