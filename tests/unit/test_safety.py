"""The crisis cues that put safety before whatever else a message asks (bot/safety.py)."""

from __future__ import annotations

import asyncio

import pytest

from actions.services import ActionConfirmService
from bot.safety import in_crisis
from tests.support.trackers import make_tracker


@pytest.mark.parametrize(
    "text",
    ["办个社保卡跑了五趟 真不想活了", "活着真没意思", "我想自杀", "死了算了", "站在楼顶想跳楼", "活着还有什么用"],
)
def test_crisis_cues_are_heard_inside_any_message(text):
    assert in_crisis(text)


@pytest.mark.parametrize("text", ["孩子出生了要办什么", "死亡证明怎么开", "我想注销公司", "跳过这一项", None, ""])
def test_ordinary_messages_are_not_alarms(text):
    assert not in_crisis(text)


def test_a_need_said_with_a_crisis_cue_gets_the_crisis_line_first(dispatcher, tmp_db_url, monkeypatch):
    import actions.handoff as handoff_module
    from bot import handoff

    monkeypatch.setattr(handoff_module, "record_handoff", lambda **kw: handoff.record_handoff(db_url=tmp_db_url, **kw))
    tracker = make_tracker("need_social_security_card", "办个社保卡跑了五趟 真不想活了")
    asyncio.run(ActionConfirmService().run(dispatcher, tracker, {}))
    reply = dispatcher.messages[0]["text"]
    assert "12356" in reply and "一卡通" not in reply
    assert handoff.open_requests(tmp_db_url)[0].reason == "distress"


def test_the_cues_are_heard_in_traditional_characters_too():
    from bot.safety import runaround, still_hopeless

    assert in_crisis("活著沒意思") and still_hopeless("沒人幫得了我") and runaround("殘疾證跑了五趟了還沒辦下來")
