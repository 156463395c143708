"""Status checks through the chat against the real portal: a demo citizen binds (consent, name,
ID number, the SMS code the sandbox portal hands the test), sees his overdue case per
department, urges it, and is recognised when he comes back."""

from __future__ import annotations

import json
import re
import sqlite3

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
    assert "验证码已发送至您登记的手机" in texts(stack.say(PERSON_ID, sender))
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
    assert "如果您填写的信息与登记信息一致" in texts(replies), "the same answer as for a match"
    replies = stack.say("没收到验证码", sender)
    assert "信息与平台登记的不一致" in texts(replies) and "姓名" in texts(replies)
    stack.say("出生医学证明丢了能补办吗", sender)
    tracker = stack.tracker(sender)
    last_user = max(i for i, e in enumerate(tracker["events"]) if e["event"] == "user")
    actions = [e["name"] for e in tracker["events"][last_user:] if e["event"] == "action"]
    assert actions[:2] == ["action_answer_question", "identity_form"], actions
    assert tracker["active_loop"].get("name") == "identity_form"
    assert tracker["slots"]["requested_slot"] == "binding_name"


def test_a_binding_leaves_no_personal_data_in_the_tracker_store_or_the_logs(stack, sender):
    """The tracker store after a whole binding: no name, ID number or SMS code in clear, although
    the conversation (which needs them between turns) went through; and no log has them."""
    code_text = texts(bind(stack, sender, "我的办件到哪一步了"))
    assert "身份核验成功" in code_text
    with sqlite3.connect(stack.logs / "tracker.db") as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ?", (sender,)).fetchall()
    stored = " ".join(json.dumps(json.loads(data), ensure_ascii=False) for (data,) in rows)
    assert rows and PERSON_ID not in stored and PERSON not in stored
    codes = re.findall(r"验证码是(\d{6})", stored)
    assert not codes, "the SMS code typed is not kept"

    # nor in any server's log (the sandbox portal's own log is its SMS gateway: the code, never the person)
    for log in ("rasa.log", "actions.log", "console.log", "portal.log"):
        written = (stack.logs / log).read_text(encoding="utf-8", errors="replace")
        assert PERSON_ID not in written and PERSON not in written, log


def test_a_lost_card_is_frozen_first_and_the_binding_it_needs_carries_on_with_it(stack, sender):
    offered = stack.say("我的社保卡丢了，要补办一张", sender)
    assert "卡丢了请先挂失" in texts(offered), texts(offered)
    temporary = next(b for b in buttons(offered) if b["title"] == "临时挂失（立即生效）")
    assert any(b["title"] == "同意调取，开始办理" for b in buttons(offered)), "补领 is still offered after it"

    replies = bind(stack, sender, temporary["payload"])
    text = texts(replies)
    assert "身份核验成功" in text and "已临时挂失" in text and "冻结" in text, text
    found = next(b for b in buttons(replies) if b["title"] == "找到了，解除挂失")
    assert "状态正常" in texts(stack.say(found["payload"], sender))
