"""Conversations over the REST channel against the real Rasa server and action server."""

from __future__ import annotations

import pytest

from bot.catalogue import SERVICE_CODES, get_item
from bot.handoff import open_requests


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


@pytest.mark.parametrize(
    "message, code",
    [
        ("孩子出生了要办什么", "newborn"),
        ("公司不想干了", "deregistration"),
        ("老婆刚生了孩子要办啥", "newborn"),
        ("我下个月就到退休年龄了，要办哪些手续", "retirement"),
        ("想開個小飯館，要辦哪些證", "restaurant"),
    ],
)
def test_first_message_sets_service_item_and_confirms_it(stack, sender, message, code):
    replies = stack.say(message, sender)
    assert stack.slot(sender, "service_item") == code
    item = get_item(code)
    reply = texts(replies)
    assert item.title in reply and item.lead_department in reply
    assert item.integrated_services[0] in reply


def test_greeting_shows_the_menu_and_a_button_sets_the_item(stack, sender):
    replies = stack.say("你好", sender)
    buttons = [b for m in replies for b in m.get("buttons", [])]
    assert [b["payload"] for b in buttons] == [f"/need_{c}" for c in SERVICE_CODES]
    stack.say(buttons[0]["payload"], sender)
    assert stack.slot(sender, "service_item") == SERVICE_CODES[0]


def test_conversation_basics(stack, sender):
    thanks = texts(stack.say("谢谢你", sender))
    assert "不客气" in thanks or "不用谢" in thanks  # utter_thank has two variants
    assert "再见" in texts(stack.say("再见", sender))
    elsewhere = texts(stack.say("今天天气怎么样", sender))
    assert "服务范围" in elsewhere and "示例市一网通办" in elsewhere, "outside the 13: where to go instead"
    assert "来源：《新生儿出生一件事》" in texts(stack.say("出生医学证明上名字写错了怎么改", sender))
    assert "核验您的身份" in texts(stack.say("我的申请到哪一步了", sender))


def test_request_human_records_the_handoff_masked(stack, sender):
    stack.say("我想办退休，我的身份证号是110101196505071234", sender)
    replies = stack.say("我要转人工", sender)
    assert "12345" in texts(replies)
    mine = [r for r in open_requests(stack.db_url) if r.sender_id == sender]
    assert len(mine) == 1
    assert mine[0].ticket in texts(replies)
    stored = str(mine[0].transcript)
    assert "110101196505071234" not in stored and "110101********1234" in stored


@pytest.mark.parametrize(
    "message, reason, said",
    [
        ("办个社保卡跑了五趟 真不想活了", "distress", ("12356", "110", "120")),
    ],
)
def test_people_in_trouble_are_heard_and_handed_to_a_human(stack, sender, message, reason, said):
    reply = texts(stack.say(message, sender))
    assert all(part in reply for part in said), reply
    [request] = [r for r in open_requests(stack.db_url) if r.sender_id == sender]
    assert request.reason == reason and request.ticket in reply


def test_someone_who_cannot_cope_gets_the_simplest_paths(stack, sender):
    replies = stack.say("我眼神不好 也不会打字 你说的我弄不明白", sender)
    reply = texts(replies)
    assert "12345" in reply and "A05" in reply and "亲情代办" in reply
    assert any(b["payload"] == "/request_human" for m in replies for b in m.get("buttons", []))


def test_unclear_message_gets_candidates_then_a_pick_continues(stack, sender):
    replies = stack.say("/nlu_fallback", sender)
    buttons = [b for m in replies for b in m.get("buttons", [])]
    assert "您是想" in texts(replies)
    assert buttons and buttons[-1]["payload"] == "/out_of_scope"
    stack.say("/need_disability", sender)
    assert stack.slot(sender, "service_item") == "disability"


@pytest.mark.parametrize(
    "message",
    [
        "",
        "办" * 5000,
        "😀😀😀👍",
        "hello, I want to open a restaurant",
        "<script>alert('x')</script>",
        "'; DROP TABLE events; --",
        "\x00\x01\x02\x1b[31m",
        "%s%s%n{0}{{}}",
    ],
)
def test_bad_input_gets_a_polite_answer(stack, sender, message):
    replies = stack.say(message, sender)
    assert replies, "every message deserves an answer"
    assert all(m.get("text") or m.get("buttons") for m in replies)
    assert stack.tracker(sender)["sender_id"] == sender
