"""From a citizen's question to the assistant's reply: answer with the source, offer the
likely questions, or say honestly that the knowledge base does not know.

Every question that is not answered with confidence is written (masked) to `kb_unanswered`,
so that editors see what citizens ask and the knowledge base lacks — the record MaxKB users
miss most.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from sqlalchemy import select

from bot.db import session_factory
from bot.dialogue import Button, Reply
from bot.knowledge import words
from bot.knowledge.retriever import ABSTAIN, ANSWER, SUGGEST, Hit, Retriever, SearchResult
from bot.knowledge.store import KbUnanswered
from bot.language.text import normalize
from bot.privacy import mask_text
from bot.wording import said

log = logging.getLogger(__name__)

EXCERPT_CHARS = 360
SUGGESTIONS = 3
EXPIRED_RULE = "expired"
"""The outcome editors see for a question whose best answer is a rule past its 有效期."""
_SENTENCE_END = re.compile(r"[。！？；]")
_HAN = re.compile(r"[\u4e00-\u9fff]{2}")
_COMMON_BIGRAMS = frozenset(
    {"什么", "怎么", "可以", "需要", "要求", "我们", "一下", "还没", "没有", "这个", "那个", "能不", "不能"}
)
"""Question words every line could share; they pick no line."""
FOCUS_MIN_SHARED = 3
"""A line is picked out of a long list only for a question naming it ("排水水质检测报告"), not
for one naming the list ("要准备哪些材料" wants the list from its start)."""


def excerpt(text: str, limit: int = EXCERPT_CHARS, question: str = "") -> str:
    """The unit's text, cut when it is long: a chat bubble, not a page. A long list is cut
    around the lines that share most words with the question ("排水水质检测报告还没做出来" finds
    item 12 of the materials), keeping the list's order; otherwise at a sentence end."""
    if len(text) <= limit:
        return text
    focused = _focused(text, limit, question) if question else None
    if focused:
        return focused + words.CUT_SHORT
    cut = max((m.end() for m in _SENTENCE_END.finditer(text, 0, limit)), default=limit)
    return text[:cut].rstrip() + words.CUT_SHORT


def _bigrams(text: str) -> set[str]:
    text = normalize(text)
    return {text[i : i + 2] for i in range(len(text) - 1) if _HAN.fullmatch(text[i : i + 2])}


def _focused(text: str, limit: int, question: str) -> str | None:
    lines = [line for line in text.split("\n") if line.strip()]
    asked = _bigrams(question) - _COMMON_BIGRAMS
    scores = [len(asked & _bigrams(line)) for line in lines]
    if len(lines) < 3 or max(scores) < FOCUS_MIN_SHARED or scores.index(max(scores)) == 0 and len(lines[0]) >= limit:
        return None
    kept = {scores.index(max(scores))}
    size = len(lines[min(kept)])
    for index in sorted(range(len(lines)), key=lambda i: (-scores[i], i)):
        if index not in kept and scores[index] > 0 and size + len(lines[index]) <= limit:
            kept.add(index)
            size += len(lines[index])
    if 0 not in kept and size + len(lines[0]) <= limit and not lines[0].lstrip().startswith(("1.", "-")):
        kept.add(0)  # a heading line ("申请道路货物运输经营许可，需要具备：") says what the list is
    return "\n".join(lines[i] for i in sorted(kept))


def answer_reply(hit: Hit, question: str = "") -> Reply:
    return Reply(words.with_source(excerpt(hit.text, question=question), hit.citation))


def _suggestion_title(hit: Hit) -> str:
    if hit.question:
        return hit.question
    short = hit.title.removesuffix("一件事")
    return f"{short}：{hit.section}"


def rule_changed_reply(hit: Hit) -> Reply:
    """An expired rule is never quoted: the citizen hears that it changed and where to ask."""
    return Reply(
        words.rule_changed(hit.title, hit.section.removeprefix("问："), hit.expired_on or ""), (words.NONE_FITS,)
    )


def suggestion_reply(hits: list[Hit]) -> Reply:
    buttons = [Button(_suggestion_title(h), f'/ask_question{{"kb_unit":"{h.unit_id}"}}') for h in hits[:SUGGESTIONS]]
    return Reply(words.SUGGEST_INTRO, (*buttons, words.NONE_FITS))


def record_unanswered(
    question: str,
    result: SearchResult | None,
    service_item: str | None,
    channel: str | None,
    db_url: str | None = None,
    outcome: str | None = None,
) -> None:
    """Keeps the question (masked) for the editors; never lets a logging failure reach the user.
    `outcome` names turns the knowledge base never saw: "fallback", "out_of_scope"."""
    best = result.best if result else None
    row = KbUnanswered(
        question=mask_text(question)[:1000],
        outcome=outcome or (result.decision if result else "unavailable"),
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


@dataclass(frozen=True)
class KbReply:
    replies: list[Reply]
    decision: str
    """ANSWER, SUGGEST or ABSTAIN (also for an empty question or an unavailable index)."""
    service_code: str | None = None
    """The 一件事 whose guide gave the answer, if it was answered."""


def reply_for(
    retriever: Retriever,
    question: str,
    service_item: str | None = None,
    unit_id: int | None = None,
    channel: str | None = None,
) -> list[Reply]:
    """The replies to a policy question (or to a suggestion button carrying `unit_id`)."""
    return respond(retriever, question, service_item, unit_id, channel).replies


def respond(
    retriever: Retriever,
    question: str,
    service_item: str | None = None,
    unit_id: int | None = None,
    channel: str | None = None,
    follow_up: bool = False,
    query: str | None = None,
    unanswered_as: str | None = None,
) -> KbReply:
    """`reply_for` with what the caller needs to keep the conversation's topic: the decision and
    the answering guide. `query` is what is searched when it differs from the words typed (a
    "那…呢" joined to the question before it); `question` is what editors see, and
    `unanswered_as` the outcome they see for a turn the classifier had already given up on
    ("fallback", "out_of_scope") when the knowledge base cannot answer it either."""
    if unit_id is not None:
        hit = retriever.unit(unit_id)
        if hit is None:
            return KbReply([Reply(words.UNIT_GONE)], ABSTAIN)
        if hit.expired:
            return KbReply([rule_changed_reply(hit)], ABSTAIN)
        return KbReply([answer_reply(hit)], ANSWER, hit.service_code)
    if not question.strip():
        return KbReply([Reply(words.EMPTY_QUESTION)], ABSTAIN)
    try:
        result = retriever.search(query or question, k=SUGGESTIONS, service_code=service_item, follow_up=follow_up)
    except Exception:
        log.exception("knowledge base search failed")
        record_unanswered(question, None, service_item, channel, retriever.kb.db_url)
        return KbReply([Reply(words.KB_UNAVAILABLE, (words.NONE_FITS,))], ABSTAIN)
    log.info(
        "kb question=%s decision=%s confidence=%.3f best=%s",
        mask_text(question)[:80],
        result.decision,
        result.confidence,
        result.best.unit_id if result.best else None,
    )
    if result.generation is None:
        record_unanswered(question, None, service_item, channel, retriever.kb.db_url)
        return KbReply([Reply(words.KB_UNAVAILABLE, (words.NONE_FITS,))], ABSTAIN)
    reply = reply_to(result, question)
    if reply.decision != ANSWER:
        outcome = EXPIRED_RULE if result.best and result.best.expired else unanswered_as
        record_unanswered(question, result, service_item, channel, retriever.kb.db_url, outcome)
    return reply


def reply_to(result: SearchResult, question: str) -> KbReply:
    """What the assistant says to a search result (also what the editors' hit test shows)."""
    if result.decision in (ANSWER, SUGGEST) and result.best and result.best.expired:
        return KbReply([rule_changed_reply(result.best)], ABSTAIN)
    if result.decision == ANSWER and result.best:
        return KbReply([answer_reply(result.best, question)], ANSWER, result.best.service_code)
    current = [hit for hit in result.hits if not hit.expired]
    if result.decision == SUGGEST and current:
        return KbReply([suggestion_reply(current)], SUGGEST)
    return KbReply([Reply(said("kb_not_found", words.NOT_IN_KB), (words.NONE_FITS,))], ABSTAIN)


def recent_unanswered(limit: int = 50, db_url: str | None = None) -> list[KbUnanswered]:
    with session_factory(db_url)() as session:
        return list(session.scalars(select(KbUnanswered).order_by(KbUnanswered.created_at.desc()).limit(limit)))
