"""The 5-second rule, retries, long replies and the customer-service API (against the fake)."""

from __future__ import annotations

import asyncio
import logging

from conftest import OPENID, FakeDialogue, reply_content, text_xml, wechat_harness

from channels.wechat.rendering import WECHAT_TEXT_LIMIT_BYTES, split_text


async def test_slow_reply_goes_through_the_customer_service_api():
    dialogue = FakeDialogue(delay=1.0, reply=lambda text: [{"text": "材料清单如下"}, {"text": "第二条"}])
    async with wechat_harness(dialogue, passive=0.3) as h:
        assert await h.send(text_xml("新生儿要什么材料")) == (200, "success")
        assert dialogue.finished == 0  # answered before the turn ended
        await h.wait_received(1)
        async with h.http.get(f"{h.fake.url}/_received") as response:
            received = await response.json()
        assert [m["touser"] for m in received] == [OPENID]
        assert received[0]["msgtype"] == "text"
        assert received[0]["text"]["content"] == "材料清单如下\n\n第二条"
        assert dialogue.finished == 1  # the turn ran to its end, it was not cancelled


async def test_slow_reply_in_safe_mode_also_uses_the_api():
    async with wechat_harness(FakeDialogue(delay=0.6), aes=True, passive=0.2) as h:
        assert await h.send(text_xml("慢")) == (200, "success")
        received = await h.wait_received(1)
        assert received[0]["text"]["content"] == "收到：慢"


async def test_duplicate_msgid_while_running_is_answered_once_and_advances_once():
    dialogue = FakeDialogue(delay=0.2)
    async with wechat_harness(dialogue, passive=2.0) as h:
        xml = text_xml("公司要注销", msg_id=777)
        first, second, third = await asyncio.gather(h.send(xml), h.send(xml), h.send(xml))
        assert dialogue.received == ["公司要注销"]
        contents = {reply_content(r[1]) for r in (first, second, third)}
        assert contents == {"收到：公司要注销"}  # every retry reuses the one result
        late = await h.send(xml)  # a retry after the turn finished
        assert reply_content(late[1]) == "收到：公司要注销"
        assert dialogue.received == ["公司要注销"]
        assert h.fake.received == []


async def test_duplicate_msgid_in_the_slow_path_sends_one_message():
    dialogue = FakeDialogue(delay=0.8)
    async with wechat_harness(dialogue, passive=0.2) as h:
        xml = text_xml("慢慢来", msg_id=888)
        assert await h.send(xml) == (200, "success")
        assert await h.send(xml) == (200, "success")  # WeChat's retry while the turn still runs
        await h.wait_received(1)
        await asyncio.sleep(0.3)
        assert await h.send(xml) == (200, "success")  # and after it finished
        await asyncio.sleep(0.2)
        assert dialogue.received == ["慢慢来"]
        assert len(h.fake.received) == 1


async def test_events_are_deduplicated_by_sender_and_create_time():
    dialogue = FakeDialogue(reply=lambda text: [{"text": "欢迎"}])
    async with wechat_harness(dialogue) as h:
        event = (
            f"<xml><ToUserName>gh_0123456789ab</ToUserName><FromUserName>{OPENID}</FromUserName>"
            "<CreateTime>1700000000</CreateTime><MsgType>event</MsgType><Event>subscribe</Event></xml>"
        )
        await h.send(event)
        await h.send(event)
        assert dialogue.received == ["/greet"]


async def test_different_messages_each_get_a_turn():
    dialogue = FakeDialogue()
    async with wechat_harness(dialogue) as h:
        await h.send(text_xml("一", msg_id=1))
        await h.send(text_xml("二", msg_id=2))
        assert dialogue.received == ["一", "二"]


def _long_reply(text: str) -> list[dict]:
    paragraph = "办理出生医学证明需要父母双方身份证、户口簿、结婚证，以及医院出具的分娩记录。" * 8
    return [{"text": f"第{n}段：{paragraph}"} for n in range(1, 8)]


async def test_long_reply_is_split_at_2048_bytes_with_follow_ups():
    async with wechat_harness(FakeDialogue(reply=_long_reply)) as h:
        full = "\n\n".join(m["text"] for m in _long_reply(""))
        assert len(full.encode("utf-8")) > 3 * WECHAT_TEXT_LIMIT_BYTES
        status, body = await h.send(text_xml("出生医学证明要什么"))
        first = reply_content(body)
        assert len(first.encode("utf-8")) <= WECHAT_TEXT_LIMIT_BYTES
        assert first.startswith("第1段")
        expected = split_text(full)
        follow_ups = [m["text"]["content"] for m in await h.wait_received(len(expected) - 1)]
        assert [first, *follow_ups] == expected
        assert follow_ups and all(len(p.encode("utf-8")) <= WECHAT_TEXT_LIMIT_BYTES for p in follow_ups)
        assert "".join([first, *follow_ups]).replace("\n", "") == full.replace("\n", "")


async def test_customer_service_allowance_is_five_messages_per_user_message(caplog):
    caplog.set_level(logging.WARNING, logger="channels.wechat.outbound")
    many = lambda text: [{"text": f"{n}" + "长" * 1000} for n in range(8)]  # noqa: E731 - 8 parts of ~3 KB
    async with wechat_harness(FakeDialogue(delay=0.5, reply=many), passive=0.1) as h:
        await h.send(text_xml("很长的问题"))
        await h.wait_received(5)
        await asyncio.sleep(0.3)
        assert len(h.fake.received) == 5
    assert any("allowance used up" in r.getMessage() for r in caplog.records)


async def test_access_token_is_cached_and_refreshed_once_on_40001():
    async with wechat_harness(FakeDialogue(delay=0.5), passive=0.1) as h:
        await h.send(text_xml("第一条", msg_id=1))
        await h.wait_received(1)
        assert len(h.fake.token_requests) == 1
        h.fake.faults.append({"api": "custom_send", "errcode": 40001, "times": 1})
        await h.send(text_xml("第二条", msg_id=2))
        received = await h.wait_received(2)
        assert [m["text"]["content"] for m in received] == ["收到：第一条", "收到：第二条"]
        assert [a["errcode"] for a in h.fake.attempts] == [0, 40001, 0]
        assert len(h.fake.token_requests) == 2  # one refresh, not one per message
        await h.send(text_xml("第三条", msg_id=3))
        await h.wait_received(3)
        assert len(h.fake.token_requests) == 2


async def test_stale_token_handed_back_is_force_refreshed():
    """If WeChat rejects a token that stable_token still returns, one forced refresh follows."""
    async with wechat_harness(FakeDialogue(delay=0.5), passive=0.1) as h:
        await h.send(text_xml("一", msg_id=1))
        await h.wait_received(1)
        h.fake.valid_tokens.discard(h.fake.current_token)  # refused, yet stable_token still hands it out
        await h.send(text_xml("二", msg_id=2))
        received = await h.wait_received(2)
        assert [m["text"]["content"] for m in received] == ["收到：一", "收到：二"]
        assert [r["force_refresh"] for r in h.fake.token_requests] == [False, False, True]


async def test_quota_errors_stop_sending_until_the_user_writes_again(caplog):
    caplog.set_level(logging.WARNING, logger="channels.wechat.outbound")
    parts = lambda text: [{"text": "甲" * 600}, {"text": "乙" * 600}, {"text": "丙" * 600}]  # noqa: E731
    async with wechat_harness(FakeDialogue(delay=0.5, reply=parts), passive=0.1) as h:
        h.fake.faults.append({"api": "custom_send", "errcode": 45047, "times": 1})
        await h.send(text_xml("问题", msg_id=1))
        for _ in range(50):
            if h.fake.attempts:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
        assert [a["errcode"] for a in h.fake.attempts] == [45047]  # nothing sent after the refusal
        assert await h.channel.memory.reserve_cs_message(OPENID) is False
        await h.send(text_xml("再问一次", msg_id=2))  # the user wrote: a new allowance
        await h.wait_received(3)
        assert len(h.fake.received) == 3
    assert any("45047" in r.getMessage() for r in caplog.records)


async def test_45015_is_handled_like_45047():
    async with wechat_harness(FakeDialogue(delay=0.5), passive=0.1) as h:
        h.fake.faults.append({"api": "custom_send", "errcode": 45015, "times": 1})
        await h.send(text_xml("问题"))
        for _ in range(50):
            if h.fake.attempts:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)  # the refusal is recorded when the answer arrives
        assert await h.channel.memory.reserve_cs_message(OPENID) is False


async def test_unreachable_api_is_logged_not_raised(caplog):
    caplog.set_level(logging.ERROR, logger="channels.wechat.outbound")
    async with wechat_harness(FakeDialogue(delay=0.5), passive=0.1) as h:
        await h.fake.stop()
        assert await h.send(text_xml("问题")) == (200, "success")
        await asyncio.sleep(1.0)
    assert any("failed" in r.getMessage() for r in caplog.records)
