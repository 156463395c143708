"""Hostile or broken requests: always a 4xx or `success`, never a 5xx or a hang, and nothing
reaches the dialogue."""

from __future__ import annotations

import asyncio
import time

import pytest
from conftest import ACCOUNT, OPENID, sign, text_xml, wechat_harness

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol9 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
]>
<xml><ToUserName>gh_0123456789ab</ToUserName><FromUserName>oUpF8uMuAJO_M2pxb1Q9zNjWeS6o</FromUserName>
<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&lol9;</Content><MsgId>1</MsgId></xml>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh_0123456789ab</ToUserName><FromUserName>oUpF8uMuAJO_M2pxb1Q9zNjWeS6o</FromUserName>
<MsgType>text</MsgType><Content>&e;</Content><MsgId>2</MsgId></xml>"""

CASES = {
    "empty": b"",
    "not xml": b"hello world",
    "json": b'{"MsgType": "text"}',
    "unclosed": b"<xml><MsgType>text</MsgType><Content>hi",
    "wrong root": text_xml("hi").replace("<xml>", "<root>").replace("</xml>", "</root>").encode(),
    "no MsgType": f"<xml><ToUserName>{ACCOUNT}</ToUserName><FromUserName>{OPENID}</FromUserName></xml>".encode(),
    "no sender": b"<xml><ToUserName>gh_1</ToUserName><MsgType>text</MsgType><Content>hi</Content></xml>",
    "bad openid": text_xml("hi", openid="o<script>").replace("<![CDATA[o<script>]]>", "<![CDATA[../../etc]]>").encode(),
    "bad msgid": text_xml("hi", msg_id="1; DROP TABLE").encode(),
    "billion laughs": BILLION_LAUGHS.encode(),
    "external entity": EXTERNAL_ENTITY.encode(),
    "gbk bytes": text_xml("孩子出生了要办什么").encode("gbk"),
    "gbk declared": ('<?xml version="1.0" encoding="GBK"?>' + text_xml("你好")).encode("gbk"),
    "latin-1 garbage": bytes(range(128, 256)) * 10,
    "nul bytes": b"\x00" * 1000,
    "nested": b"<xml>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</xml>",
    "utf-16": text_xml("你好").encode("utf-16"),
}


@pytest.mark.parametrize("name", list(CASES))
async def test_malformed_bodies_are_refused_without_touching_the_dialogue(name):
    async with wechat_harness() as h:
        status, _body = await h.post(CASES[name])
        assert status in (400, 413) or (status == 200 and _body == "success"), (status, _body)
        assert 400 <= status < 500 or _body == "success"
        assert h.dialogue.received == []


async def test_one_megabyte_body_is_413():
    async with wechat_harness() as h:
        big = text_xml("长" * (1024 * 1024 // 3))
        status, _ = await h.post(big)
        assert status == 413
        assert h.dialogue.received == []


async def test_chunked_body_over_the_limit_is_413():
    async def chunks():
        for _ in range(200):
            yield b"<a>" + b"x" * 1021

    async with wechat_harness() as h:
        async with h.http.post(h.url, params=h.query(), data=chunks()) as response:
            assert response.status == 413
        assert h.dialogue.received == []


async def test_lying_content_length_does_not_hang():
    async with wechat_harness() as h:
        reader, writer = await asyncio.open_connection("127.0.0.1", int(h.url.split(":")[2].split("/")[0]))
        ts = str(int(time.time()))
        path = f"/webhooks/wechat/webhook?signature={sign('test-token', ts, '1')}&timestamp={ts}&nonce=1"
        writer.write(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n<xml>".encode())
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=3)
        assert b" 413 " in status_line
        writer.close()


async def test_unsigned_huge_body_is_403_before_reading_it():
    async with wechat_harness() as h:
        status, _ = await h.post(b"x" * (1024 * 1024), query={})
        assert status == 403


@pytest.mark.parametrize("encrypt", ["", "not base64 !!!", "QUJD", "A" * 64, "A" * 4096])
async def test_undecryptable_safe_mode_bodies_are_refused(encrypt):
    async with wechat_harness(aes=True) as h:
        ts, nonce = str(int(time.time())), "42"
        msg_signature = sign("test-token", ts, nonce, encrypt)
        query = {**h.query(timestamp=int(ts), nonce=nonce), "encrypt_type": "aes", "msg_signature": msg_signature}
        status, body = await h.post(f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>", query)
        assert 400 <= status < 500, (status, body)
        assert h.dialogue.received == []


async def test_encrypted_body_smuggling_a_dtd_is_refused():
    async with wechat_harness(aes=True) as h:
        h_status, _ = await h.send(BILLION_LAUGHS)
        assert h_status == 400
        assert h.dialogue.received == []


async def test_still_serving_after_the_fuzz():
    async with wechat_harness() as h:
        for body in CASES.values():
            await h.post(body)
        status, body = await h.send(text_xml("你好", msg_id=99))
        assert status == 200 and "收到：你好" in body
        assert h.dialogue.received == ["你好"]
