"""A conversation that holds (issue 13), one real-stack example per pattern: the topic is kept
for follow-ups, a question naming a service is answered rather than taken for a request, a
non-answer in a form is not stored, personal dates are computed, needs outside the 13 hear
where to go, and an out-of-scope turn reaches the editors' queue with the words typed."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import create_engine
from sqlalchemy import text as sql

from bot.identity.store import IdentityStore
from tests.e2e.conftest import KB_DB_URL
from tests.e2e.test_portal_chat import buttons, texts
from tests.support.application_runs import START_PAYLOAD, portal_token
from tests.support.golden import SCENARIOS


def test_a_question_sets_the_topic_and_its_follow_ups_are_answered_from_that_guide(stack, sender):
    first = texts(stack.say("注销公司要多长时间", sender))
    assert "《企业注销登记一件事》" in first, first
    assert stack.slot(sender, "service_item") == "deregistration"
    window = texts(stack.say("窗口在哪", sender))
    assert "C07" in window, window


def test_the_follow_ups_the_bot_invites_are_answered_in_context(stack, sender):
    stack.say("孩子出生了，要办哪些手续", sender)
    materials = texts(stack.say("要准备哪些材料", sender))
    assert "结婚证" in materials and "《新生儿出生一件事》" in materials, materials
    hours = texts(stack.say("窗口在哪里 几点上班", sender))
    assert "B01" in hours and "C10" not in hours, hours


def test_a_question_that_names_a_service_is_answered_not_confirmed(stack, sender):
    replies = stack.say("補辦社保卡要錢嗎", sender)
    text = texts(replies)
    assert "20元" in text, text
    assert "您要办的是" not in text
    assert any(b["payload"].startswith("/start_application") for b in buttons(replies)), "the way to apply is offered"


def test_a_need_with_a_question_gets_both(stack, sender):
    text = texts(stack.say("想开个面馆，要多久能开业？", sender))
    assert "3个工作日" in text and "您要办的是「开办餐饮店一件事」" in text, text


def test_personal_dates_are_computed_from_the_rule(stack, sender):
    text = texts(stack.say("我是66年7月的男的 啥时候能退休", sender))
    assert "2026年12月" in text and "2026年5月" not in text, text
    follow_up = texts(stack.say("那最早能提前到啥时候", sender))
    assert "2026年7月" in follow_up, follow_up


def test_a_need_outside_the_13_hears_where_to_go_not_a_lookalike_item(stack, sender):
    text = texts(stack.say("我想跑网约车", sender))
    assert "不在" in text and "一网通办" in text and "道路货物运输" not in text, text
    assert stack.slot(sender, "service_item") is None


def _bound(stack, sender: str, code: str) -> dict:
    """`sender` bound as the item's demo applicant, the item confirmed (its start button shown)."""
    scenario = SCENARIOS[code]
    token = portal_token(stack.portal_url, scenario["subject"])
    IdentityStore(stack.db_url).save(sender, "rest", token, datetime.now(timezone.utc))
    stack.say(scenario["first"], sender)
    return scenario


def test_typed_agreement_starts_the_application_as_its_button_does(stack, sender):
    _bound(stack, sender, "credit_repair")
    stack.say("同意", sender)
    assert stack.slot(sender, "application_active") is True
    assert stack.tracker(sender)["active_loop"].get("name") == "application_form"


def test_a_non_answer_in_a_form_is_not_stored_and_the_question_comes_back(stack, sender):
    _bound(stack, sender, "credit_repair")
    stack.say(START_PAYLOAD, sender)
    before = stack.slot(sender, "application")
    text = texts(stack.say("文号我记不清了 好像是118号", sender))
    after = stack.slot(sender, "application")
    assert "先不填" in text, text
    assert after["step"] == before["step"] and after.get("answered") == before.get("answered")
    assert stack.slot(sender, "service_item") == "credit_repair"


def test_an_out_of_scope_turn_reaches_the_editors_queue_with_the_words_typed(stack, sender):
    words = "今天天气怎么样"
    replies = stack.say(words, sender)
    assert replies, "the citizen always hears something"
    with create_engine(KB_DB_URL).connect() as connection:  # the newest row: the test base is kept between runs
        outcome = connection.execute(
            sql("SELECT outcome FROM kb_unanswered WHERE question = :q ORDER BY id DESC LIMIT 1"), {"q": words}
        ).scalar_one_or_none()
    assert outcome == "out_of_scope"


def test_a_date_that_contradicts_an_earlier_one_is_questioned_not_stored(stack, sender):
    _bound(stack, sender, "credit_repair")
    stack.say(START_PAYLOAD, sender)
    decided = stack.slot(sender, "application")
    text = texts(stack.say("2020年1月2日", sender))  # paid before the penalty was decided
    assert "对不上" in text and "处罚决定日期" in text, text
    assert stack.slot(sender, "application")["step"] == decided["step"]
    assert "对不上" not in texts(stack.say("2025年8月20日", sender))


def test_after_a_complaint_the_window_asked_for_is_the_complaints_window(stack, sender):
    first = texts(stack.say("残疾证跑了五趟了还没办下来，你们就知道推来推去！", sender))
    assert "您反映的问题已经登记" in first and "A01" in first, first
    window = texts(stack.say("那个窗口在哪", sender))
    assert "A01" in window and "B12" not in window, window


def test_hopelessness_after_the_crisis_lines_gets_them_again(stack, sender):
    first = texts(stack.say("我现在站在楼顶上 活着没意思", sender))
    assert "12356" in first
    again = texts(stack.say("没人帮得了我", sender))
    assert "12356" in again and "110" in again, again
