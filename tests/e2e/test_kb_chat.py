"""Policy questions through the REST channel against the real stack and the demo knowledge
base: the answer quotes the guide and cites it, a suggestion button answers its unit, a
question in the middle of a form is answered and the form goes on."""

from __future__ import annotations

import re

from tests.e2e.test_portal_chat import buttons, texts

CITATION = re.compile(r"来源：《[^》]+》· .+ · \d{4}-\d{2}-\d{2}")


def test_a_policy_question_is_answered_with_its_source(stack, sender):
    replies = stack.say("双胞胎要分开提交两次申请吗", sender)
    text = texts(replies)
    assert CITATION.search(text), text
    assert "《新生儿出生一件事》· 双胞胎怎么申请？" in text
    assert "添加新生儿" in text


def test_the_active_service_gives_a_vague_question_its_context(stack, sender):
    stack.say("公司不想干了", sender)
    assert stack.slot(sender, "service_item") == "deregistration"
    text = texts(stack.say("注销一般要多久能办完", sender))
    assert "《企业注销登记一件事》" in text, text


def test_a_suggestion_button_answers_the_unit_it_names(stack, sender):
    from sqlalchemy import create_engine
    from sqlalchemy import text as sql

    from tests.e2e.conftest import KB_DB_URL

    with create_engine(KB_DB_URL).connect() as connection:
        unit_id = connection.execute(
            sql("SELECT id FROM kb_units WHERE section = '问：双胞胎怎么申请？' AND status = 'active'")
        ).scalar_one()
    text = texts(stack.say(f'/ask_question{{"kb_unit":"{unit_id}"}}', sender))
    assert "添加新生儿" in text and "双胞胎怎么申请？" in text


def test_a_question_in_the_middle_of_the_identity_form_is_answered_and_the_form_goes_on(stack, sender):
    replies = stack.say("我的办件到哪一步了", sender)
    assert "核验您的身份" in texts(replies)
    answered = stack.say("社保卡掉了第一时间该干嘛", sender)
    assert CITATION.search(texts(answered)), texts(answered)
    assert "《社会保障卡居民服务“一卡通”一件事》" in texts(answered)
    assert any(b["payload"] == "/affirm" for b in buttons(answered)), "the consent question comes back"
    assert stack.tracker(sender)["active_loop"].get("name") == "identity_form"
