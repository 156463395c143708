"""Applications through the REST channel against the running Rasa server, action server and
sandbox portal, beside the golden transcripts (test_golden_transcripts.py, every item's whole
path): the averages the benchmark reports, and the wiring of the detours (a question mid-form,
a pause and a resume, an enterprise and a citizen binding in the chat)."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx

from bot.identity.store import IdentityStore
from tests.support.application_runs import NUMBER, START_PAYLOAD, portal_token, run_scenario, say, show
from tests.support.golden import SCENARIOS
from tests.support.portal_cases import close_earlier_cases

TARGET_TURNS = 8
TARGET_PREFILL = 0.6
PERSONAL = ("newborn", "school_enrollment", "social_security_card", "disability", "retirement")


def test_the_averages_meet_the_targets(stack):
    runs = []
    for code in PERSONAL:
        close_earlier_cases(stack.portal_db_url, code)  # the golden transcript applied for the same baby
        runs.append(run_scenario(stack.rasa_url, stack.portal_url, stack.db_url, stack.inbox_url, code))
    assert all(run.number for run in runs), [show(r) for r in runs if not r.number]
    assert sum(r.prefill_ratio for r in runs) / len(runs) >= TARGET_PREFILL
    assert sum(r.user_turns for r in runs) / len(runs) <= TARGET_TURNS


def test_a_question_mid_form_is_answered_and_the_form_resumes_then_pause_and_resume(stack, sender):
    scenario = SCENARIOS["restaurant"]
    token = portal_token(stack.portal_url, scenario["subject"])
    IdentityStore(stack.db_url).save(sender, "rest", token, datetime.now(timezone.utc))
    say(stack.rasa_url, sender, scenario["first"])
    asked, _ = say(stack.rasa_url, sender, START_PAYLOAD)
    assert "店" in asked and stack.slot(sender, "requested_slot") == "form_answer"
    say(stack.rasa_url, sender, scenario["answers"][0])

    answer, _ = say(stack.rasa_url, sender, "开餐饮店办下来一共要多久？")
    assert "来源" in answer, answer
    assert stack.tracker(sender)["active_loop"].get("name") == "application_form"
    assert "个体工商户" in answer  # the form asks its next question again

    paused, _ = say(stack.rasa_url, sender, "先不办了")
    assert "确定先不办了吗" in paused
    kept, _ = say(stack.rasa_url, sender, "是的")
    number = NUMBER.search(kept).group(0)
    assert "继续办理" in kept and stack.slot(sender, "application_active") is False

    resumed, _ = say(stack.rasa_url, sender, "继续办理")
    assert number in resumed and "接着填" in resumed, resumed
    draft = httpx.get(
        f"{stack.portal_url}/applications/{number}", headers={"Authorization": f"Bearer {token.token}"}, timeout=10
    ).json()
    assert draft["status"] == "draft" and draft["fields"]["shop_name"] == scenario["answers"][0]


def _bind_in_chat(stack, sender: str, need: str, steps: list[tuple[str, str]]) -> tuple[str, str]:
    """Asks for the item, presses the start button, answers the identity form (each typed text
    with a word the next question must contain) and the SMS code; returns the consent question
    and the reply after the code."""
    say(stack.rasa_url, sender, need)
    consent, _ = say(stack.rasa_url, sender, START_PAYLOAD)
    for typed, next_question in steps:
        reply, _ = say(stack.rasa_url, sender, typed)
        assert next_question in reply, (typed, reply)
    code = httpx.get(f"{stack.portal_url}/dev/sms/{stack.slot(sender, 'binding_id')}", timeout=10).json()["code"]
    return consent, say(stack.rasa_url, sender, code)[0]


def test_an_enterprise_binds_in_the_chat_then_applies(stack, sender):
    consent, after = _bind_in_chat(
        stack,
        sender,
        "公司要注销，怎么办",
        [
            ("同意", "统一社会信用代码"),
            ("91990105MA0001010X", "法定代表人的姓名"),
            ("彭飞", "身份证号码"),
            ("99010519821030097X", "验证码"),
        ],
    )
    assert "统一社会信用代码" in consent and "法定代表人" in consent, consent
    assert stack.slot(sender, "service_item") == "deregistration"
    assert "身份核验成功" in after and "预填了" in after, after
    assert stack.slot(sender, "application_active") is True


def test_a_citizen_binds_in_the_chat_and_the_application_carries_on(stack, sender):
    consent, after = _bind_in_chat(
        stack,
        sender,
        "我下个月退休，需要办什么手续",
        [("同意", "姓名"), ("黄秀英", "身份证号码"), ("990104197604200743", "验证码")],
    )
    assert "核验您的身份" in consent and "统一社会信用代码" not in consent, consent
    assert "身份核验成功" in after and "预填了" in after, after
    assert stack.slot(sender, "application_active") is True
