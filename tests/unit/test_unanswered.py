"""The unanswered queue (bot/editing/unanswered.py): questions clustered by meaning with counts and
trend, a cluster turned into a draft FAQ that goes through review, routed with a due date or
dismissed with a reason, a 差评 of an answer recorded with its question — on a small pack with
the real embedding model — and the clustering scored against the 200-question gold grouping."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.db import session_factory
from bot.editing import unanswered
from bot.editing.revisions import RevisionError
from bot.editing.unanswered import DISMISSED, FAQ, OPEN, ROUTED, QueueFilter, UnansweredQueue
from bot.editing.workbench import DocumentFilter, Workbench
from bot.knowledge.answering import reply_to
from bot.knowledge.importer import import_paths
from bot.knowledge.retriever import ANSWER, Retriever, china_today
from bot.knowledge.store import KbUnanswered
from bot.staff.accounts import StaffUser
from bot.working_days import CHINA
from tests.support.kb_fixtures import kb_settings, write_pack
from tests.support.trackers import make_tracker

ROOT = Path(__file__).resolve().parents[2]
EDITOR = StaffUser(1, "editor.wang", "王编辑", ("editor",), True)
SECOND_EDITOR = StaffUser(2, "editor.li", "李编辑", ("editor",), True)
REVIEWER = StaffUser(3, "reviewer.zhao", "赵审核", ("reviewer",), True)
AGENT = StaffUser(4, "agent.sun", "孙坐席", ("agent",), True)
DEPARTMENT = "示例市卫生健康委员会"
"""The newborn guide's lead department in the test pack."""

PASSPORT = ["护照过期了去哪里换", "護照過期了怎麼換", "护照到期了在哪换新的"]
PASSPORT_SHOWN = {"护照过期了去哪里换", "护照过期了怎么换", "护照到期了在哪换新的"}
"""As the page shows them: in simplified characters."""
HOUSING_FUND = ["租房可以提取公积金吗", "公积金租房提取要什么材料", "想用公积金交房租怎么办"]
PARKING = ["车被贴了停车罚单怎么交罚款", "违章停车的罚单可以在网上缴吗"]
DOG = ["养狗要去哪里办狗证"]
LOST_BIRTH_CERTIFICATE = ["宝宝的出生医学证明丢了怎么补办", "出生证明弄丢了去哪里补", "孩子出生证丢了还能补吗"]


@pytest.fixture
def queue(tmp_path) -> UnansweredQueue:
    kb = kb_settings(f"sqlite:///{tmp_path / 'kb.db'}", tmp_path / "index")
    import_paths([write_pack(tmp_path / "pack")], kb)
    return UnansweredQueue(Workbench(kb), Retriever(kb))


def _ask(queue: UnansweredQueue, questions: list[str], outcome: str = "abstain", days_ago: int = 0) -> list[int]:
    """Rows as the answering code writes them, asked `days_ago` China days ago at noon."""
    moment = datetime.combine(china_today() - timedelta(days=days_ago), datetime.min.time(), CHINA) + timedelta(
        hours=12
    )
    with session_factory(queue.kb.db_url)() as session, session.begin():
        rows = [
            KbUnanswered(
                question=q,
                outcome=outcome,
                confidence=0.1,
                channel="rest",
                created_at=moment.astimezone(timezone.utc),
            )
            for q in questions
        ]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def _rows(queue: UnansweredQueue, ids: list[int]) -> list[KbUnanswered]:
    with session_factory(queue.kb.db_url)() as session:
        return list(session.scalars(select(KbUnanswered).where(KbUnanswered.id.in_(ids)).order_by(KbUnanswered.id)))


def _groups(found: dict) -> list[set[str]]:
    return [{q["text"] for q in cluster["questions"]} for cluster in found["clusters"]]


# ---- clustering ------------------------------------------------------------------------------


def test_masked_bits_punctuation_courtesies_and_traditional_characters_do_not_matter():
    assert unanswered.clean("請問，我電話138****5678，護照過期了怎麼辦？謝謝") == "我电话 护照过期了怎么办"
    assert unanswered.clean("我叫王*，身份证110101********1234丢了") == "我叫 身份证 丢了"
    assert unanswered.clean("？？") == ""


def test_a_small_list_is_grouped_as_a_person_would_with_counts_and_trend(queue):
    _ask(queue, PASSPORT, days_ago=0)
    _ask(queue, HOUSING_FUND, outcome="out_of_scope", days_ago=9)
    _ask(queue, PARKING + DOG, days_ago=20)
    _ask(queue, ["护照过期了去哪里换"], outcome="suggest", days_ago=1)

    found = queue.clusters()
    assert _groups(found) == [PASSPORT_SHOWN, {*HOUSING_FUND}, {*PARKING}, {*DOG}], "by count, then recency"
    top = found["clusters"][0]
    assert top["count"] == 4 and top["representative"] in PASSPORT_SHOWN, "sorted by count, shown by its medoid"
    assert top["outcomes"] == {"abstain": 3, "suggest": 1} and top["channels"] == {"rest": 4}
    assert top["trend"][-1] == 3 and top["trend"][-2] == 1 and sum(top["trend"]) == 4
    assert (top["this_week"], top["last_week"]) == (4, 0)
    assert top["id"] == min(top["rows"]) and found["days"][-1] == china_today().isoformat()
    fund = next(c for c in found["clusters"] if c["questions"][0]["text"] in HOUSING_FUND)
    assert (fund["this_week"], fund["last_week"], sum(fund["trend"])) == (0, 3, 3)
    assert next(c for c in found["clusters"] if c["count"] == 2)["trend"] == [0] * 14, "asked 20 days ago"

    assert _groups(queue.clusters(QueueFilter(outcome="out_of_scope"))) == [{*HOUSING_FUND}]
    assert {len(g) for g in _groups(queue.clusters(QueueFilter(days=7)))} == {3}, "the last 7 days: passports"


def test_a_question_is_embedded_once_and_its_vector_kept(queue, monkeypatch):
    ids = _ask(queue, PASSPORT)
    queue.clusters()
    stored = [row.vector for row in _rows(queue, ids)]
    assert all(v is not None and len(v) == queue.embedder.dimension * 4 for v in stored)
    monkeypatch.setattr(unanswered, "embed", lambda *_args: pytest.fail("encoded again"))
    assert queue.clusters()["clusters"][0]["count"] == 3


# ---- routing, dismissing, reopening ----------------------------------------------------------


def test_a_cluster_is_routed_to_a_known_department_with_a_due_date_not_in_the_past(queue):
    ids = _ask(queue, PASSPORT)
    tomorrow = (china_today() + timedelta(days=1)).isoformat()
    for department, due, code in [
        ("外星事务局", tomorrow, "bad_department"),
        (DEPARTMENT, "下周五", "bad_date"),
        (DEPARTMENT, (china_today() - timedelta(days=1)).isoformat(), "bad_date"),
    ]:
        with pytest.raises(RevisionError) as refused:
            queue.route(EDITOR, ids, department, due)
        assert refused.value.code == code
    with pytest.raises(RevisionError) as agent:
        queue.route(AGENT, ids, DEPARTMENT, tomorrow)
    assert agent.value.code == "forbidden"
    assert DEPARTMENT in queue.departments()

    queue.route(REVIEWER, ids, DEPARTMENT, tomorrow, "请提供护照办理地点，联系人13987654321")
    rows = _rows(queue, ids)
    assert {(r.state, r.department, r.due_date, r.handled_by) for r in rows} == {
        (ROUTED, DEPARTMENT, tomorrow, REVIEWER.username)
    }
    assert "13987654321" not in rows[0].note, "the note is masked"
    with pytest.raises(RevisionError) as moved:
        queue.dismiss(EDITOR, ids, "重复")
    assert moved.value.code == "moved"
    assert queue.clusters()["clusters"] == []

    [routed] = queue.clusters(QueueFilter(state=ROUTED))["clusters"]
    assert routed["count"] == 3 and routed["department"] == DEPARTMENT and not routed["overdue"]
    with session_factory(queue.kb.db_url)() as session, session.begin():
        session.execute(update(KbUnanswered).values(due_date=(china_today() - timedelta(days=2)).isoformat()))
    assert queue.clusters(QueueFilter(state=ROUTED))["clusters"][0]["overdue"]


def test_a_dismissal_needs_a_reason_and_a_reopened_cluster_is_open_again(queue):
    ids = _ask(queue, DOG)
    with pytest.raises(RevisionError) as no_reason:
        queue.dismiss(EDITOR, ids, "  ")
    assert no_reason.value.code == "reason"
    with pytest.raises(RevisionError) as none:
        queue.dismiss(EDITOR, [], "无关")
    assert none.value.code == "no_rows"

    queue.dismiss(EDITOR, ids, "不属于政务服务")
    [dismissed] = queue.clusters(QueueFilter(state=DISMISSED))["clusters"]
    assert dismissed["note"] == "不属于政务服务" and dismissed["handled_by"] == EDITOR.username
    assert queue.clusters()["counts"] == {OPEN: 0, FAQ: 0, ROUTED: 0, DISMISSED: 1}

    queue.reopen(REVIEWER, ids)
    [row] = _rows(queue, ids)
    assert (row.state, row.note, row.handled_by) == (OPEN, None, None)
    with pytest.raises(RevisionError) as already:
        queue.reopen(REVIEWER, ids)
    assert already.value.code == "moved"


# ---- a cluster becomes a FAQ -----------------------------------------------------------------


def test_a_cluster_becomes_a_draft_faq_in_the_nearest_guide_and_answers_once_published(queue):
    ids = _ask(queue, LOST_BIRTH_CERTIFICATE)
    with pytest.raises(RevisionError) as reviewer:
        queue.to_faq(REVIEWER, ids)
    assert reviewer.value.code == "forbidden", "drafting is an editor's"

    made = queue.to_faq(EDITOR, ids)
    source, question = made["source"], made["question"]
    assert source.endswith("newborn.md") and made["nearest"][0]["source"] == source
    assert question in LOST_BIRTH_CERTIFICATE
    assert sorted(made["phrasings"]) == sorted(set(LOST_BIRTH_CERTIFICATE) - {question})
    revision = queue.bench.revision(made["revision"]["id"])
    assert revision["status"] == "draft" and revision["author"] == EDITOR.username
    body = revision["body"]
    faq_section = body[body.index("## 常见问题") :]
    assert faq_section.index("### 问：双胞胎怎么申请？") < faq_section.index(f"### 问：{question}")
    assert made["nearest"][0]["text"] in faq_section, "the nearest unit's text is the proposed answer"
    phrasings = revision["data"]["phrasings"]
    assert phrasings["问：双胞胎怎么申请？"] == ["生了龙凤胎要填两张表吗"], "the document's own are kept"
    assert phrasings[f"问：{question}"] == made["phrasings"]
    assert {(r.state, r.revision_id, r.handled_by) for r in _rows(queue, ids)} == {
        (FAQ, revision["id"], EDITOR.username)
    }

    fact = "出生医学证明遗失的，由出具证明的助产机构补发，父母携带身份证到医院档案室申请，10个工作日内补发。"
    before, after = body.rsplit(made["nearest"][0]["text"], 1)  # the proposed answer, not its source
    fixed = before + fact + after
    queue.bench.save(EDITOR, source, fixed, phrasings, "补发规定")
    queue.bench.submit(EDITOR, revision["id"])
    queue.bench.review(REVIEWER, revision["id"], True, None)
    queue.bench.publish(EDITOR, revision["id"])
    for asked in LOST_BIRTH_CERTIFICATE:
        best = queue.retriever.search(asked, k=3).best
        assert (best.section, best.text) == (f"问：{question}", fact), asked
    answered = reply_to(queue.retriever.search(question, k=3), question)
    assert answered.decision == ANSWER and fact in answered.replies[0].text
    assert f"来源：《新生儿出生一件事》· {question}" in answered.replies[0].text


def test_a_new_faq_document_is_made_when_the_editor_names_one(queue):
    ids = _ask(queue, PARKING)
    made = queue.to_faq(EDITOR, ids, title="停车罚单常见问题")
    assert made["source"] == "workbench/停车罚单常见问题.md"
    body = queue.bench.revision(made["revision"]["id"])["body"]
    assert body.startswith("---\ntitle: 停车罚单常见问题\n") and "\n## 常见问题\n\n### 问：" in body
    assert any(d["source"] == made["source"] for d in queue.bench.documents(DocumentFilter()))


def test_a_faq_is_added_to_the_editors_own_draft_and_never_over_another_editors(queue):
    first = queue.to_faq(EDITOR, _ask(queue, LOST_BIRTH_CERTIFICATE))
    second = queue.to_faq(EDITOR, _ask(queue, ["新生儿的预防接种证丢了怎么补"]), source=first["source"])
    assert second["revision"]["id"] == first["revision"]["id"], "one open revision per document"
    body = queue.bench.revision(first["revision"]["id"])["body"]
    assert f"### 问：{first['question']}" in body and "### 问：新生儿的预防接种证丢了怎么补" in body

    ids = _ask(queue, ["出生证明上的名字能改吗"])
    with pytest.raises(RevisionError) as taken:
        queue.to_faq(SECOND_EDITOR, ids, source=first["source"])
    assert taken.value.code == "taken" and EDITOR.username in str(taken.value)
    assert {r.state for r in _rows(queue, ids)} == {OPEN}


def test_the_faq_goes_to_the_end_of_the_faq_section_or_a_new_one():
    body = "# 指南\n\n## 申请材料\n\n1. 身份证\n\n## 常见问题\n\n### 问：旧问题？\n\n旧答案\n\n## 政策依据\n\n条例\n"
    added = unanswered.add_faq(body, "新问题？", "第一行\n第二行")
    assert added.index("旧答案") < added.index("### 问：新问题？\n\n第一行\n第二行\n\n## 政策依据")
    bare = unanswered.add_faq("# 指南\n\n## 申请材料\n\n1. 身份证\n", "新问题？", "答案")
    assert bare.endswith("1. 身份证\n\n## 常见问题\n\n### 问：新问题？\n\n答案\n")


# ---- 差评 of an answer -------------------------------------------------------------------------


def _answered(*typed: str) -> list[dict]:
    events: list[dict] = [{"event": "session_started", "timestamp": 1765000000.0}]
    events += [{"event": "user", "text": text, "input_channel": "rest"} for text in typed]
    events += [
        {
            "event": "bot",
            "text": "在同一张申请表中一次提交即可。\n来源：《新生儿出生一件事》· 双胞胎怎么申请？ · 2026-10-01",
        },
        {"event": "user", "text": "谢谢", "input_channel": "rest"},
        {"event": "bot", "text": "不客气。请您对本次咨询作出评价（自愿）："},
    ]
    return events


def test_the_question_behind_a_rated_answer_is_the_one_typed_before_it():
    citation = "《新生儿出生一件事》· 双胞胎怎么申请？ · 2026-10-01"
    assert unanswered.rated_question(_answered("生了双胞胎怎么填表")) == ("生了双胞胎怎么填表", citation)
    clicked = _answered("龙凤胎怎么办", '/ask_question{"kb_unit":"5"}')
    assert unanswered.rated_question(clicked) == ("龙凤胎怎么办", citation), "a button's payload is passed over"
    earlier = _answered("生了双胞胎怎么填表")[1:]
    assert (
        unanswered.rated_question([*earlier, {"event": "session_started"}, {"event": "user", "text": "你好"}]) is None
    )


def test_a_bad_rating_of_the_answers_puts_the_question_in_the_queue(tmp_path, monkeypatch, dispatcher):
    from actions.ratings import ActionRate
    from bot.settings import settings

    services, kb = f"sqlite:///{tmp_path / 'services.db'}", f"sqlite:///{tmp_path / 'kb.db'}"
    monkeypatch.setattr("bot.db.settings", replace(settings, db_url=services))
    monkeypatch.setenv("BANSHI_KB_DB_URL", kb)
    for level, sender in (("4", "web:good"), ("2", "web:bad")):
        tracker = make_tracker("rate", "/rate", events=_answered("我电话13987654321，双胞胎怎么填表"), sender_id=sender)
        tracker.latest_message["entities"] = [
            {"entity": "rating_target", "value": "answer:1765000000"},
            {"entity": "rating_level", "value": level},
        ]
        asyncio.run(ActionRate().run(dispatcher, tracker, {}))
    with session_factory(kb)() as session:
        [row] = session.scalars(select(KbUnanswered)).all()
    assert row.outcome == unanswered.BAD_RATING and row.channel == "rest"
    assert row.question == "我电话139****4321，双胞胎怎么填表", "masked, and only for the bad rating"
    assert row.best_citation.startswith("《新生儿出生一件事》")


# ---- the seeded evaluation --------------------------------------------------------------------

V_MEASURE_FLOOR = 0.88
ARI_FLOOR = 0.70
"""Measured 0.899 and 0.723 (homogeneity 0.979) on eval/unanswered_seed.yml at the threshold
chosen on the development set; the floors leave a small margin for numeric noise."""


def _harness():
    spec = importlib.util.spec_from_file_location("eval_unanswered", ROOT / "scripts" / "eval_unanswered.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


def test_the_seeded_questions_cluster_as_their_gold_grouping_says():
    harness = _harness()
    scores, clusters, _gold = harness.evaluate(harness.SEED)
    assert (scores.questions, scores.gold_groups) == (200, 40)
    assert scores.v_measure >= V_MEASURE_FLOOR and scores.adjusted_rand >= ARI_FLOOR, scores
    assert scores.homogeneity >= 0.95, "a cluster mixes needs only rarely: an editor acts on it whole"
    assert sum(c["count"] for c in clusters) == 200


def test_the_clustering_questions_are_never_training_data():
    harness = _harness()
    asked = {q for path in (harness.SEED, harness.DEV) for q, _group in harness.load_gold(path)}
    taught = [ROOT / "knowledge" / "faq_phrasings.yml", ROOT / "knowledge" / "section_phrasings.yml"]
    taught += sorted((ROOT / "data").rglob("*.yml"))
    text = "\n".join(path.read_text(encoding="utf-8") for path in taught)
    examples = {line.strip().lstrip("- ").strip() for line in text.splitlines()}
    assert not asked & examples
    dev = {q for q, _g in harness.load_gold(harness.DEV)}
    assert not dev & {q for q, _g in harness.load_gold(harness.SEED)}
