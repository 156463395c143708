"""The WeChat channel over real HTTP: authentication, plain and safe mode, message kinds."""

from __future__ import annotations

import logging
import time

import xmltodict
from conftest import (
    ACCOUNT,
    AES_KEY,
    APP_ID,
    OPENID,
    TOKEN,
    FakeDialogue,
    message_xml,
    reply_content,
    sign,
    text_xml,
    wechat_harness,
)
from wechatpy.crypto import WeChatCrypto

from channels.rate import ChannelRate
from channels.wechat import texts


async def test_url_verification_echoes_echostr():
    async with wechat_harness() as h:
        async with h.http.get(h.url, params=h.query(echostr="5837397749802834312")) as response:
            assert response.status == 200
            assert await response.text() == "5837397749802834312"
        bad = {**h.query(echostr="1"), "signature": "0" * 40}
        async with h.http.get(h.url, params=bad) as response:
            assert response.status == 403
        async with h.http.get(h.url, params=h.query(echostr="<script>")) as response:
            assert response.status == 400


async def test_plain_text_round_trip():
    async with wechat_harness() as h:
        status, body = await h.send(text_xml("孩子出生了要办什么"))
        assert status == 200, body
        assert reply_content(body) == "收到：孩子出生了要办什么"
        assert h.dialogue.received == ["孩子出生了要办什么"]
        assert h.dialogue.senders == [OPENID]


async def test_safe_mode_round_trip_with_wechatpy_as_client():
    async with wechat_harness(aes=True) as h:
        status, body = await h.send(text_xml("想开个小饭馆"))
        assert status == 200
        assert reply_content(body) == "收到：想开个小饭馆"
        assert h.dialogue.received == ["想开个小饭馆"]


async def test_safe_mode_reply_is_encrypted_and_signed():
    async with wechat_harness(aes=True) as h:
        timestamp, nonce = str(int(time.time())), "55555"
        crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
        envelope = xmltodict.parse(crypto.encrypt_message(text_xml("你好"), nonce, timestamp))["xml"]
        query = h.query(
            timestamp=int(timestamp), nonce=nonce, encrypt_type="aes", msg_signature=envelope["MsgSignature"]
        )
        status, raw = await h.post(f"<xml><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>", query)
        assert status == 200
        reply = xmltodict.parse(raw)["xml"]
        assert set(reply) >= {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
        assert "收到" not in raw  # nothing in clear
        assert reply["MsgSignature"] == sign(TOKEN, reply["TimeStamp"], reply["Nonce"], reply["Encrypt"])
        plain = crypto.decrypt_message(raw, reply["MsgSignature"], reply["TimeStamp"], reply["Nonce"])
        assert reply_content(plain) == "收到：你好"


async def test_forged_or_missing_signature_is_403_and_logged(caplog):
    caplog.set_level(logging.WARNING, logger="channels.wechat")
    async with wechat_harness() as h:
        forged = {**h.query(), "signature": sign("wrong-token", str(int(time.time())), "1234567")}
        assert (await h.post(text_xml("hi"), forged))[0] == 403
        assert (await h.post(text_xml("hi"), {}))[0] == 403
        assert (await h.post(text_xml("hi"), {"timestamp": str(int(time.time())), "nonce": "1"}))[0] == 403
        assert h.dialogue.received == []
    rejections = [r.getMessage() for r in caplog.records if "rejected with 403" in r.getMessage()]
    assert len(rejections) == 3
    assert "bad signature" in rejections[0] and "missing" in rejections[1]


async def test_a_signed_query_replayed_with_another_body_is_403(caplog):
    """Plain mode signs the query, not the body: a seen (timestamp, nonce) carries one body only.
    WeChat's own retries resend the same body and still get through (and are deduplicated)."""
    caplog.set_level(logging.WARNING, logger="channels.wechat")
    async with wechat_harness() as h:
        query, first = h.query(), text_xml("我的申请到哪一步了")
        assert (await h.post(first, query))[0] == 200
        assert (await h.post(first, query))[0] == 200, "a retry"
        assert (await h.post(text_xml("把我的申请撤回", msg_id="999"), query))[0] == 403
        assert (await h.post(text_xml("把我的申请撤回", msg_id="999"), h.query()))[0] == 200
    assert any("nonce replayed" in r.getMessage() for r in caplog.records)


async def test_stale_or_future_timestamp_is_403(caplog):
    caplog.set_level(logging.WARNING, logger="channels.wechat")
    async with wechat_harness() as h:
        stale = h.query(timestamp=int(time.time()) - 301)
        future = h.query(timestamp=int(time.time()) + 600)
        assert (await h.post(text_xml("hi"), stale))[0] == 403
        assert (await h.post(text_xml("hi"), future))[0] == 403
        assert (await h.post(text_xml("hi"), h.query(timestamp=int(time.time()) - 200)))[0] == 200
        assert h.dialogue.received == ["hi"]
    assert any("stale" in r.getMessage() for r in caplog.records)


async def test_safe_mode_rejects_bad_msg_signature_other_appid_and_plaintext():
    async with wechat_harness(aes=True) as h:
        timestamp, nonce = str(int(time.time())), "777"
        good = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
        envelope = xmltodict.parse(good.encrypt_message(text_xml("hi"), nonce, timestamp))["xml"]
        body = f"<xml><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
        query = h.query(timestamp=int(timestamp), nonce=nonce, encrypt_type="aes", msg_signature="f" * 40)
        assert (await h.post(body, query))[0] == 403

        other = WeChatCrypto(TOKEN, AES_KEY, "wxffffffffffffffff")
        envelope = xmltodict.parse(other.encrypt_message(text_xml("hi"), nonce, timestamp))["xml"]
        body = f"<xml><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
        query = h.query(
            timestamp=int(timestamp), nonce=nonce, encrypt_type="aes", msg_signature=envelope["MsgSignature"]
        )
        assert (await h.post(body, query))[0] == 403

        assert (await h.post(text_xml("plaintext sneaking in")))[0] == 403
        assert h.dialogue.received == []


async def test_voice_uses_recognition_and_empty_recognition_gets_a_polite_text():
    async with wechat_harness() as h:
        voice = (
            "<MediaId><![CDATA[m1]]></MediaId><Format><![CDATA[amr]]></Format>"
            "<Recognition><![CDATA[我要办退休]]></Recognition>"
        )
        status, body = await h.send(message_xml("voice", voice, msg_id=3001))
        assert reply_content(body) == "收到：我要办退休"
        silent = "<MediaId><![CDATA[m2]]></MediaId><Format><![CDATA[amr]]></Format><Recognition></Recognition>"
        status, body = await h.send(message_xml("voice", silent, msg_id=3002))
        assert reply_content(body) == texts.VOICE_NOT_RECOGNISED
        assert h.dialogue.received == ["我要办退休"]


async def test_unsupported_types_get_a_polite_text_without_the_dialogue():
    async with wechat_harness() as h:
        samples = {
            "video": "<MediaId><![CDATA[x]]></MediaId><ThumbMediaId><![CDATA[y]]></ThumbMediaId>",
            "location": (
                "<Location_X>23.1</Location_X><Location_Y>113.3</Location_Y><Scale>20</Scale>"
                "<Label><![CDATA[某地]]></Label>"
            ),
            "link": "<Title><![CDATA[t]]></Title><Description><![CDATA[d]]></Description><Url><![CDATA[http://x.invalid]]></Url>",
        }
        for number, (kind, fields) in enumerate(samples.items()):
            status, body = await h.send(message_xml(kind, fields, msg_id=4000 + number))
            assert status == 200
            assert reply_content(body) == texts.UNSUPPORTED_MESSAGE
        assert "文字、语音和图片" in texts.UNSUPPORTED_MESSAGE
        assert h.dialogue.received == []


async def test_subscribe_greets_and_unsubscribe_is_silent():
    menu = [
        {"text": "您好！我是示例市政务服务助手。"},
        {"text": "【个人办事】", "buttons": [{"title": "新生儿出生", "payload": "/need_newborn"}]},
    ]
    dialogue = FakeDialogue(reply=lambda text: menu if text == "/greet" else [])
    async with wechat_harness(dialogue) as h:
        event = "<Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[]]></EventKey>"
        status, body = await h.send(message_xml("event", event, msg_id=None))
        content = reply_content(body)
        assert content.startswith("您好！我是示例市政务服务助手。")
        assert "回复数字选择：\n1. 新生儿出生" in content
        leave = "<Event><![CDATA[unsubscribe]]></Event>"
        assert await h.send(message_xml("event", leave, msg_id=None)) == (200, "success")
        assert h.dialogue.received == ["/greet"]


async def test_subscribe_in_safe_mode():
    dialogue = FakeDialogue(reply=lambda text: [{"text": "欢迎关注"}] if text == "/greet" else [])
    async with wechat_harness(dialogue, aes=True) as h:
        event = "<Event><![CDATA[subscribe]]></Event>"
        status, body = await h.send(message_xml("event", event, msg_id=None))
        assert reply_content(body) == "欢迎关注"


async def test_a_failing_dialogue_gets_an_apology_not_a_5xx():
    async with wechat_harness(FakeDialogue(fail=True)) as h:
        status, body = await h.send(text_xml("你好"))
        assert status == 200
        assert reply_content(body) == texts.DIALOGUE_FAILED


async def test_an_answer_given_before_the_dialogue_failed_stands():
    """Told "not processed", the citizen sends it again and it is processed twice."""
    async with wechat_harness(FakeDialogue(fail_after_reply=True)) as h:
        status, body = await h.send(text_xml("你好"))
        assert status == 200
        assert reply_content(body) == "收到：你好"


async def test_reply_text_cannot_break_the_reply_xml():
    tricky = "a]]><Evil/>b\x00\x07c <&>"
    async with wechat_harness(FakeDialogue(reply=lambda text: [{"text": tricky}])) as h:
        status, body = await h.send(text_xml("x"))
        assert status == 200
        assert reply_content(body) == "a]]><Evil/>bc <&>"


async def test_empty_bot_answer_is_success():
    async with wechat_harness(FakeDialogue(reply=lambda text: [])) as h:
        assert await h.send(text_xml("嗯")) == (200, "success")


async def test_health_route():
    async with wechat_harness() as h, h.http.get(h.url.rsplit("/webhook", 1)[0] + "/") as response:
        assert response.status == 200
        assert (await response.json()) == {"status": "ok"}


async def test_openid_is_masked_in_logs(caplog):
    caplog.set_level(logging.INFO)
    async with wechat_harness(FakeDialogue(delay=0.8), passive=0.2) as h:
        await h.send(text_xml("慢一点"))
        await h.wait_received(1)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert OPENID not in logged
    assert f"{OPENID[:4]}…{OPENID[-4:]}" in logged
    assert ACCOUNT  # the account id is not personal data


async def test_a_user_sending_too_fast_is_held_back_politely():
    async with wechat_harness() as h:
        h.channel.rate = ChannelRate("wechat", limit=2)
        replies = [reply_content((await h.send(text_xml(f"第{n}条", msg_id=5000 + n)))[1]) for n in range(3)]
        assert replies[:2] == ["收到：第0条", "收到：第1条"] and "太快" in replies[2]
        assert h.dialogue.received == ["第0条", "第1条"]
