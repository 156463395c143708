"""Answering in chat: answer with the source, suggest, or abstain — and log what was not answered."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from actions import context as context_module
from actions import knowledge as knowledge_action
from bot.db import session_factory
from bot.knowledge import answering, words
from bot.knowledge.config import KnowledgeSettings
from bot.knowledge.retriever import ABSTAIN, ANSWER, SUGGEST, Hit, SearchResult
from bot.knowledge.store import KbUnanswered
from tests.support.trackers import make_tracker


def _hit(
    unit_id: int, section: str = "问：双胞胎怎么申请？", text: str = "在同一张申请表中一次提交即可。", kind: str = "faq"
) -> Hit:
    return Hit(
        unit_id,
        0.9,
        "新生儿出生一件事",
        section,
        ("常见问题", section),
        kind,
        text,
        "2026-10-01",
        "newborn",
        "knowledge/newborn.md",
    )


class FakeRetriever:
    """Stands in for the index: returns a prepared decision and remembers what it was asked."""

    def __init__(self, db_url: str, decision: str, hits: list[Hit], generation: str | None = "g000001") -> None:
        self.kb = KnowledgeSettings.from_env(db_url)
        self.result = SearchResult("", hits, {ANSWER: 0.9, SUGGEST: 0.2, ABSTAIN: 0.01}[decision], decision, generation)
        self.asked: list[tuple[str, str | None]] = []

    def search(
        self, question: str, k: int = 5, service_code: str | None = None, follow_up: bool = False
    ) -> SearchResult:
        self.asked.append((question, service_code))
        return self.result

    def unit(self, unit_id: int) -> Hit | None:
        return next((h for h in self.result.hits if h.unit_id == unit_id), None)


def _unanswered(db_url: str) -> list[KbUnanswered]:
    with session_factory(db_url)() as session:
        return list(session.scalars(select(KbUnanswered)))


def test_confident_answer_quotes_the_unit_and_cites_the_source(tmp_db_url):
    retriever = FakeRetriever(tmp_db_url, ANSWER, [_hit(7)])
    (reply,) = answering.reply_for(retriever, "生了龙凤胎怎么办", service_item="newborn")
    assert reply.text == "在同一张申请表中一次提交即可。\n来源：《新生儿出生一件事》· 双胞胎怎么申请？ · 2026-10-01"
    assert retriever.asked == [("生了龙凤胎怎么办", "newborn")]
    assert _unanswered(tmp_db_url) == []


def test_long_unit_is_cut_at_a_sentence_end():
    text = "这是一句完整的政策说明。" * 60
    cut = answering.excerpt(text)
    assert len(cut) < len(text) and cut.endswith("……（完整内容见来源指南）")
    assert cut.removesuffix("……（完整内容见来源指南）").endswith("。")


def test_unsure_answer_offers_the_top_three_as_buttons_and_is_logged_masked(tmp_db_url):
    hits = [_hit(1), _hit(2, "申请材料", kind="materials"), _hit(3, "问：孩子名字还没定，可以先办吗？"), _hit(4)]
    retriever = FakeRetriever(tmp_db_url, SUGGEST, hits)
    (reply,) = answering.reply_for(retriever, "我叫张三丰，电话13812345678，孩子的事怎么办", channel="rest")
    titles = [b.title for b in reply.buttons]
    assert titles == ["双胞胎怎么申请？", "新生儿出生：申请材料", "孩子名字还没定，可以先办吗？", "都不是，转人工"]
    assert reply.buttons[0].payload == '/ask_question{"kb_unit":"1"}'
    (row,) = _unanswered(tmp_db_url)
    assert row.outcome == SUGGEST and row.best_unit_id == 1 and row.channel == "rest"
    assert "13812345678" not in row.question and "张三丰" not in row.question


def test_question_outside_the_knowledge_base_is_not_guessed(tmp_db_url):
    retriever = FakeRetriever(tmp_db_url, ABSTAIN, [_hit(1)])
    (reply,) = answering.reply_for(retriever, "护照过期了在哪里换")
    assert "没有找到确切答案" in reply.text and "12345" in reply.text
    assert [b.payload for b in reply.buttons] == ["/request_human"]
    assert _unanswered(tmp_db_url)[0].outcome == ABSTAIN


def test_empty_or_missing_index_says_so_politely(tmp_db_url):
    retriever = FakeRetriever(tmp_db_url, ABSTAIN, [], generation=None)
    (reply,) = answering.reply_for(retriever, "出生证明怎么办")
    assert "知识库正在更新" in reply.text
    assert answering.reply_for(retriever, "   ")[0].text == words.EMPTY_QUESTION


def test_a_failing_search_never_reaches_the_citizen(tmp_db_url):
    class Broken(FakeRetriever):
        def search(self, *args, **kwargs):
            raise RuntimeError("faiss exploded")

    (reply,) = answering.reply_for(Broken(tmp_db_url, ANSWER, []), "出生证明怎么办")
    assert "知识库正在更新" in reply.text
    assert _unanswered(tmp_db_url)[0].outcome == "unavailable"


def test_a_suggestion_button_answers_that_unit_or_says_it_changed(tmp_db_url):
    retriever = FakeRetriever(tmp_db_url, SUGGEST, [_hit(5)])
    assert answering.reply_for(retriever, "/ask_question", unit_id=5)[0].text.startswith("在同一张申请表中")
    assert answering.reply_for(retriever, "", unit_id=99)[0].text == words.UNIT_GONE


@pytest.fixture
def fake_retriever(monkeypatch, tmp_db_url):
    retriever = FakeRetriever(tmp_db_url, ANSWER, [_hit(5)])
    monkeypatch.setattr(context_module, "get_retriever", lambda: retriever)  # where the actions search
    return retriever


def test_action_reads_the_question_the_active_item_and_a_clicked_unit(fake_retriever, dispatcher):
    tracker = make_tracker("ask_question", text="双胞胎怎么报", slots={"service_item": "newborn"})
    events = asyncio.run(knowledge_action.ActionAnswerQuestion().run(dispatcher, tracker, {}))
    assert events == []
    assert fake_retriever.asked == [("双胞胎怎么报", "newborn")]
    assert dispatcher.messages[0]["text"].endswith("2026-10-01")

    clicked = make_tracker("ask_question", text='/ask_question{"kb_unit":"5"}')
    clicked.latest_message["entities"] = [{"entity": "kb_unit", "value": "5"}]
    asyncio.run(knowledge_action.ActionAnswerQuestion().run(dispatcher, clicked, {}))
    assert len(fake_retriever.asked) == 1, "a clicked suggestion is answered without searching again"
    assert dispatcher.messages[1]["text"].startswith("在同一张申请表中")
