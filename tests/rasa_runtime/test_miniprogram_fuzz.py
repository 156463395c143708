"""Hostile or broken requests to the mini-program webhook with a valid token: always a 4xx with
a Chinese message, never a 5xx or a hang, and nothing malformed reaches the dialogue."""

from __future__ import annotations

import asyncio
import json
import random

import pytest
from conftest import FakeDialogue, miniprogram_harness

from channels.miniprogram import texts
from channels.miniprogram.channel import clean_message

BODIES: dict[str, bytes] = {
    "empty": b"",
    "whitespace": b"   \n",
    "not json": b"hello world",
    "form encoded": b"message=%E4%BD%A0%E5%A5%BD",
    "xml": b"<xml><Content>hi</Content></xml>",
    "truncated": b'{"message": "hi',
    "trailing garbage": b'{"message": "hi"} x',
    "single quotes": b"{'message': 'hi'}",
    "NaN": b'{"message": NaN}',
    "array": b'["message", "hi"]',
    "string": b'"hi"',
    "number": b"42",
    "null": b"null",
    "gbk": '{"message": "孩子出生了要办什么"}'.encode("gbk"),
    "utf-16": '{"message": "你好"}'.encode("utf-16"),
    "latin-1 garbage": bytes(range(128, 256)) * 10,
    "nul bytes": b"\x00" * 1000,
    "deep nesting": b'{"message": ' + b"[" * 20_000 + b"]" * 20_000 + b"}",
    "huge integer": b'{"message": ' + b"9" * 10_000 + b"}",
    "duplicate keys, last wins non-string": b'{"message": "hi", "message": 5}',
}

MESSAGES = {
    "missing": {},
    "null": {"message": None},
    "number": {"message": 12345},
    "bool": {"message": True},
    "list": {"message": ["你好"]},
    "object": {"message": {"text": "你好"}},
    "empty": {"message": ""},
    "blank": {"message": " \t\n\u3000 "},
    "only controls": {"message": "\x00\x01\x7f\u200b"[:3]},
    "too long": {"message": "长" * 2001},
    "far too long": {"message": "长" * 20_000},
    "other field": {"text": "你好"},
}


@pytest.mark.parametrize("name", list(BODIES))
async def test_malformed_bodies_are_400(name):
    async with miniprogram_harness() as h:
        token = await h.token()
        status, answer = await h.send(token, raw=BODIES[name])
        assert 400 <= status < 500, (status, answer)
        assert answer["error"] in ("invalid_json", "invalid_message", "payload_too_large"), answer
        assert answer["message"] == texts.ERRORS[answer["error"]]
        assert h.dialogue.received == []


@pytest.mark.parametrize("name", list(MESSAGES))
async def test_bad_messages_are_400_with_a_clear_chinese_message(name):
    async with miniprogram_harness() as h:
        token = await h.token()
        status, answer = await h.post("/webhook", MESSAGES[name], headers={"Authorization": f"Bearer {token}"})
        assert 400 <= status < 500, (status, answer)
        assert answer["error"] in ("invalid_message", "empty_message", "message_too_long", "payload_too_large")
        assert any("\u4e00" <= char <= "\u9fff" for char in answer["message"])
        assert h.dialogue.received == []


async def test_the_length_limit_counts_characters_after_strip():
    async with miniprogram_harness() as h:
        token = await h.token()
        assert (await h.send(token, "  " + "长" * 2000 + "\n  "))[0] == 200
        status, answer = await h.send(token, "长" * 2001)
        assert (status, answer["error"]) == (400, "message_too_long")
        assert "2000字" in answer["message"]
        assert h.dialogue.received == ["长" * 2000]


async def test_body_over_64_kb_is_413():
    async with miniprogram_harness() as h:
        token = await h.token()
        big = json.dumps({"message": "你好", "padding": "x" * (64 * 1024)})
        status, answer = await h.send(token, raw=big)
        assert (status, answer["error"]) == (413, "payload_too_large")
        assert answer["message"] == texts.ERRORS["payload_too_large"]
        assert h.dialogue.received == []


async def test_chunked_body_over_the_limit_is_413():
    async def chunks():
        yield b'{"message": "'
        for _ in range(200):
            yield b"x" * 1024

    async with miniprogram_harness() as h:
        token = await h.token()
        async with h.http.post(
            f"{h.base}/webhook", data=chunks(), headers={"Authorization": f"Bearer {token}"}
        ) as response:
            assert response.status == 413
        assert h.dialogue.received == []


async def test_lying_content_length_does_not_hang():
    async with miniprogram_harness() as h:
        token = await h.token()
        host, port = h.base.split("//")[1].split("/")[0].split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            (
                f"POST /webhooks/miniprogram/webhook HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                "Content-Length: 99999999\r\n\r\n{"
            ).encode()
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=3)
        assert b" 413 " in status_line
        writer.close()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("你好\x00", "你好"),
        ("\ud800孩子出生了\udfff", "孩子出生了"),  # lone surrogates from JSON escapes
        ("\ufeff想开个小饭馆\x1b[31m", "想开个小饭馆[31m"),
        ("第一行\r\n第二行", "第一行\n第二行"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),  # text, not markup: Rasa sees it as is
        ("' OR 1=1; DROP TABLE events; --", "' OR 1=1; DROP TABLE events; --"),
        ("😀🎉 想開個小飯館", "😀🎉 想開個小飯館"),
    ],
)
async def test_odd_but_valid_text_reaches_the_dialogue_cleaned(text, expected):
    async with miniprogram_harness() as h:
        token = await h.token()
        raw = json.dumps({"message": text})  # ASCII JSON with \u escapes, surrogates included
        status, answer = await h.send(token, raw=raw)
        assert status == 200, answer
        assert h.dialogue.received == [expected]
        assert answer["messages"][0]["text"] == f"收到：{expected}"


def test_clean_message_is_idempotent_on_random_text():
    rng = random.Random(7)
    alphabet = "你好办事\x00\x07\x1f\x7f\x85\ud800\udc00\ufeff\ufffe \n\t\rAa1😀"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        cleaned = clean_message(text)
        assert clean_message(cleaned) == cleaned
        cleaned.encode("utf-8")  # never raises: no surrogates left


async def test_random_bytes_never_give_a_5xx():
    rng = random.Random(1234)
    async with miniprogram_harness() as h:
        token = await h.token()
        for _ in range(150):
            size = rng.choice([0, 1, 5, 50, 500, 5000])
            raw = bytes(rng.getrandbits(8) for _ in range(size))
            if rng.random() < 0.3:
                raw = b'{"message": ' + raw + b"}"
            status, _answer = await h.send(token, raw=raw)
            assert status < 500, raw[:80]
        status, answer = await h.send(token, "你好")
        assert status == 200 and answer["messages"][0]["text"] == "收到：你好"


async def test_wrong_method_and_unknown_paths_are_4xx():
    async with miniprogram_harness() as h:
        async with h.http.get(f"{h.base}/webhook") as response:
            assert response.status == 405
        async with h.http.get(f"{h.base}/login") as response:
            assert response.status == 405
        async with h.http.post(f"{h.base}/nope", json={}) as response:
            assert response.status == 404


async def test_concurrent_users_each_get_their_own_answer():
    dialogue = FakeDialogue(delay=0.05)
    async with miniprogram_harness(dialogue) as h:
        tokens = [await h.token(f"user{i}.1") for i in range(20)]
        answers = await asyncio.gather(*(h.send(t, f"第{i}条") for i, t in enumerate(tokens)))
        for i, (status, answer) in enumerate(answers):
            assert status == 200 and answer["messages"][0]["text"] == f"收到：第{i}条"
        assert len(set(dialogue.senders)) == 20
