"""Bot messages as WeChat text: numbered options for buttons, the 2048-byte split, choices."""

from __future__ import annotations

import pytest
from conftest import FakeDialogue, reply_content, text_xml, wechat_harness

from channels.wechat.rendering import (
    WECHAT_TEXT_LIMIT_BYTES,
    Option,
    choose_option,
    render_messages,
    split_text,
)

MENU = [
    {"text": "您好！我是示例市政务服务助手。"},
    {
        "text": "【个人办事】",
        "buttons": [
            {"title": "新生儿出生", "payload": "/need_newborn"},
            {"title": "入学报名", "payload": "/need_school_enrollment"},
        ],
    },
    {"text": "【企业办事】", "buttons": [{"title": "企业注销", "payload": "/need_deregistration"}]},
]


def test_buttons_become_numbered_options_across_messages():
    rendered = render_messages(MENU)
    assert rendered.text == (
        "您好！我是示例市政务服务助手。\n\n"
        "【个人办事】\n回复数字选择：\n1. 新生儿出生\n2. 入学报名\n\n"
        "【企业办事】\n3. 企业注销"
    )
    assert [o.payload for o in rendered.options] == ["/need_newborn", "/need_school_enrollment", "/need_deregistration"]


def test_images_and_custom_payloads():
    rendered = render_messages([{"image": "https://example.invalid/map.png"}, {"custom": {"x": 1}}, {"text": ""}])
    assert rendered.text == "图片：https://example.invalid/map.png"
    assert rendered.options == ()


@pytest.mark.parametrize(
    "reply, index",
    [
        ("1", 0),
        ("２", 1),
        ("  3 ", 2),
        ("1.", 0),
        ("２。", 1),
        ("0", None),
        ("4", None),
        ("1个", None),
        ("12345", None),
        ("我选1", None),
        ("", None),
    ],
)
def test_choose_option(reply, index):
    options = (Option("a", "/a"), Option("b", "/b"), Option("c", "/c"))
    chosen = choose_option(reply, options)
    assert (options.index(chosen) if chosen else None) == index


def test_no_options_no_choice():
    assert choose_option("1", ()) is None


def test_split_keeps_short_text_whole():
    assert split_text("  你好  ") == ["你好"]
    assert split_text("") == []


def test_split_prefers_paragraphs_and_never_breaks_characters():
    paragraphs = ["甲" * 500, "乙" * 500, "丙" * 500]  # 1500 bytes each
    assert split_text("\n\n".join(paragraphs)) == paragraphs
    emoji = "😀" * 1000  # 4 bytes each, one line with no break at all
    parts = split_text(emoji)
    assert all(len(p.encode("utf-8")) <= WECHAT_TEXT_LIMIT_BYTES for p in parts)
    assert "".join(parts) == emoji


def test_split_cuts_long_lines_after_punctuation():
    sentence = "请携带身份证原件和复印件。"  # 13 characters, 39 bytes
    parts = split_text(sentence * 100)
    assert len(parts) > 1
    assert all(p.endswith("。") for p in parts)
    assert all(len(p.encode("utf-8")) <= WECHAT_TEXT_LIMIT_BYTES for p in parts)


def test_split_mixed_ascii_and_chinese_exact_boundary():
    text = "a" * 2047 + "中"
    parts = split_text(text)
    assert [len(p.encode()) for p in parts] == [2047, 3]


def _menu_then_echo(text: str) -> list[dict]:
    return MENU if text == "你好" else [{"text": f"收到：{text}"}]


async def test_numbered_reply_sends_the_payload():
    dialogue = FakeDialogue(reply=_menu_then_echo)
    async with wechat_harness(dialogue) as h:
        _, body = await h.send(text_xml("你好", msg_id=1))
        assert "回复数字选择：\n1. 新生儿出生\n2. 入学报名" in reply_content(body)
        dialogue.reply = lambda text: MENU if text != "随便" else [{"text": "好的"}]
        _, body = await h.send(text_xml("1", msg_id=2))
        assert dialogue.received[-1] == "/need_newborn"
        _, body = await h.send(text_xml("３", msg_id=3))  # full-width digit
        assert dialogue.received[-1] == "/need_deregistration"
        await h.send(text_xml("随便", msg_id=4))  # a reply without buttons clears the options
        await h.send(text_xml("2", msg_id=5))
        assert dialogue.received[-1] == "2"


async def test_out_of_range_number_goes_to_the_dialogue_as_typed():
    dialogue = FakeDialogue(reply=lambda text: MENU)
    async with wechat_harness(dialogue) as h:
        await h.send(text_xml("你好", msg_id=1))
        await h.send(text_xml("9", msg_id=2))
        assert dialogue.received == ["你好", "9"]


async def test_options_are_per_user():
    dialogue = FakeDialogue(reply=lambda text: MENU)
    async with wechat_harness(dialogue) as h:
        await h.send(text_xml("你好", msg_id=1))
        await h.send(text_xml("1", msg_id=2, openid="oOtherUser00000000000000000"))
        assert dialogue.received == ["你好", "1"]
