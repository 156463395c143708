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
from bot.knowledge.retriever import ANSWER, SUGGEST, Hit, Retriever, SearchResult
from bot.knowledge.store import KbUnanswered
from bot.messages import Button, Reply
from bot.privacy import mask_text
from bot.settings import settings

log = logging.getLogger(__name__)

EXCERPT_CHARS = 360
SUGGESTIONS = 3
_SENTENCE_END = re.compile(r"[。！？；]")

SUGGEST_INTRO = "我不太确定您具体想问哪一项，您想问的是下面哪个问题？"
NONE_FITS = Button("都不是，转人工", "/request_human")
NOT_IN_KB = (
    "抱歉，这个问题我在示例市的办事指南里没有找到确切答案，为了不误导您，我就不猜了。"
    f"您可以转人工客服，或拨打{settings.hotline}政务服务便民热线咨询。我已经把这个问题记下来，交给工作人员补充。"
)
KB_UNAVAILABLE = (
    f"抱歉，知识库正在更新，暂时无法回答政策问题。请稍后再问，或拨打{settings.hotline}政务服务便民热线咨询。"
)
UNIT_GONE = "抱歉，这条内容刚刚更新过了。请您再把问题说一遍，我按最新的指南为您解答。"
EMPTY_QUESTION = "请问您想了解哪方面的政策？比如办理条件、需要的材料、办理时限或者在哪里办理。"


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The unit's text, cut at a sentence end when it is long: a chat bubble, not a page."""
    if len(text) <= limit:
        return text
    cut = max((m.end() for m in _SENTENCE_END.finditer(text, 0, limit)), default=limit)
    return text[:cut].rstrip() + "……（完整内容见来源指南）"


def answer_reply(hit: Hit) -> Reply:
    return Reply(f"{excerpt(hit.text)}\n来源：{hit.citation}")


def _suggestion_title(hit: Hit) -> str:
    if hit.question:
        return hit.question
    short = hit.title.removesuffix("一件事")
    return f"{short}：{hit.section}"


def suggestion_reply(hits: list[Hit]) -> Reply:
    buttons = [Button(_suggestion_title(h), f'/ask_question{{"kb_unit":"{h.unit_id}"}}') for h in hits[:SUGGESTIONS]]
    return Reply(SUGGEST_INTRO, (*buttons, NONE_FITS))


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
        return [answer_reply(hit)] if hit else [Reply(UNIT_GONE)]
    if not question.strip():
        return [Reply(EMPTY_QUESTION)]
    try:
        result = retriever.search(question, k=SUGGESTIONS, service_code=service_item)
    except Exception:
        log.exception("knowledge base search failed")
        record_unanswered(question, None, service_item, channel, retriever.kb.db_url)
        return [Reply(KB_UNAVAILABLE, (NONE_FITS,))]
    log.info(
        "kb question=%s decision=%s confidence=%.3f best=%s",
        mask_text(question)[:80], result.decision, result.confidence, result.best.unit_id if result.best else None,
    )
    if result.generation is None:
        record_unanswered(question, None, service_item, channel, retriever.kb.db_url)
        return [Reply(KB_UNAVAILABLE, (NONE_FITS,))]
    if result.decision == ANSWER and result.best:
        return [answer_reply(result.best)]
    record_unanswered(question, result, service_item, channel, retriever.kb.db_url)
    if result.decision == SUGGEST and result.hits:
        return [suggestion_reply(result.hits)]
    return [Reply(NOT_IN_KB, (NONE_FITS,))]


def recent_unanswered(limit: int = 50, db_url: str | None = None) -> list[KbUnanswered]:
    with session_factory(db_url)() as session:
        return list(session.scalars(select(KbUnanswered).order_by(KbUnanswered.created_at.desc()).limit(limit)))


