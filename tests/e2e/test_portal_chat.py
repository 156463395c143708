"""Status checks through the chat against the real portal: a demo citizen binds (consent, name,
ID number, the SMS code the sandbox portal hands the test), sees his overdue case per
department, urges it, and is recognised when he comes back."""

from __future__ import annotations

import re

import httpx

PERSON, PERSON_ID = "马志强", "990103196603020774"


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def buttons(messages: list[dict]) -> list[dict]:
    return [b for m in messages for b in m.get("buttons") or []]


def bind(stack, sender: str, first_message: str) -> list[dict]:
    """Goes through the identity form as a citizen would; returns the replies to the code."""
    replies = stack.say(first_message, sender)
    assert "核验您的身份" in texts(replies) and "不同意也没关系" in texts(replies)
    assert [b["payload"] for b in buttons(replies)] == ["/affirm", "/deny"]
    assert "姓名" in texts(stack.say("同意", sender))
    assert "身份证号码" in texts(stack.say(PERSON, sender))
    assert "尾号0014" in texts(stack.say(PERSON_ID, sender))
    binding_id = stack.slot(sender, "binding_id")
    code = httpx.get(f"{stack.portal_url}/dev/sms/{binding_id}", timeout=10).json()["code"]
    return stack.say(f"验证码是{code}", sender)


def test_status_check_binds_a_demo_citizen_then_answers_and_urges(stack, sender):
    replies = bind(stack, sender, "我的办件到哪一步了")
    text = texts(replies)
    assert "身份核验成功，马**" in text
    assert "退休" in text and "各部门进度" in text and "（牵头）" in text
    assert "现已超过承诺时间" in text and "现在需要您做的" in text
    number = re.search(r"BS\d{14}", text).group(0)
    assert stack.slot(sender, "binding_id_number") is None and stack.slot(sender, "binding_name") is None

    urge = next(b for b in buttons(replies) if b["title"] == "催办")
    assert number in urge["payload"]
    assert "已为您催办" in texts(stack.say(urge["payload"], sender))
    assert "今天已经催办过了" in texts(stack.say("帮我再催一下", sender))

    # recognised next time: straight to the answer, no second binding
    again = texts(stack.say(f"查一下{number}的进度", sender))
    assert "核验" not in again and number in again
    assert "没有找到编号为 BS20200101999999" in texts(stack.say("查一下BS20200101999999的进度", sender))


def test_the_application_number_asked_about_survives_the_binding(stack, sender):
    replies = bind(stack, sender, "帮我查一下BS20200101999998的进度")
    assert "身份核验成功" in texts(replies) and "没有找到编号为 BS20200101999998" in texts(replies)


def test_refusing_consent_is_respected(stack, sender):
    stack.say("查一下我的办件进度", sender)
    replies = stack.say("不同意", sender)
    assert "尊重您的选择" in texts(replies) and "12345" in texts(replies)
    tracker = stack.tracker(sender)
    assert tracker["active_loop"] in ({}, None) or not tracker["active_loop"].get("name")
    assert tracker["slots"]["binding_consent"] is None


def test_a_wrong_identity_is_asked_again_and_a_question_does_not_lose_the_form(stack, sender):
    stack.say("查一下我的办件进度", sender)
    stack.say("同意", sender)
    stack.say("马志刚", sender)
    replies = stack.say(PERSON_ID, sender)
    assert "未能通过核验" in texts(replies) and "姓名" in texts(replies)
    stack.say("出生医学证明丢了能补办吗", sender)
    tracker = stack.tracker(sender)
    last_user = max(i for i, e in enumerate(tracker["events"]) if e["event"] == "user")
    actions = [e["name"] for e in tracker["events"][last_user:] if e["event"] == "action"]
    assert actions[:2] == ["action_answer_question", "identity_form"], actions
    assert tracker["active_loop"].get("name") == "identity_form"
    assert tracker["slots"]["requested_slot"] == "binding_name"
