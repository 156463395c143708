"""The channels' memory in Redis (channels/state_store.py), as several Rasa workers share it: two
instances of a channel, each in its own Sanic server with its own Redis connections, stand for
two workers behind one address, and one fake dialogue stands for Rasa (it counts the turns).
A WeChat retry, a quota, a numbered option, a replayed nonce, a mini-program session, its
mailbox and its buttons each cross from one to the other; with Redis unreachable, each memory
refuses or goes on as channels/state_store.py says.

Runs against the machine's Redis (127.0.0.1:6379, make test's CI has it), each test under a key
prefix of its own, deleted afterwards.
"""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
import redis
from conftest import (
    APP_ID,
    MP_APP_ID,
    MP_SECRET,
    OPENID,
    SECRET,
    TOKEN,
    FakeDialogue,
    Harness,
    MiniProgramHarness,
    free_port,
    reply_content,
    serve_channel,
    text_xml,
)

from channels.miniprogram import MiniProgramInput, texts
from channels.miniprogram.settings import MiniProgramSettings
from channels.payloads import SentButtons
from channels.rate import ChannelRate
from channels.state_store import RedisStore
from channels.wechat import WeChatInput
from channels.wechat import texts as wechat_texts
from channels.wechat.rendering import Option
from channels.wechat.settings import WeChatSettings
from channels.wechat.state import UserMemory
from tests.support.fake_wechat import FakeWeChat

REDIS_URL = "redis://127.0.0.1:6379/0"
"""The machine's shared Redis: keys carry a prefix of their own, never `banshi:`."""


def _redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=2).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _redis_answers(), reason="needs the machine's Redis at 127.0.0.1:6379")


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix for this test alone; its keys are deleted afterwards."""
    mine = f"banshi-test-{uuid.uuid4().hex[:12]}:"
    yield mine
    client = redis.Redis.from_url(REDIS_URL)
    try:
        for key in client.scan_iter(match=f"{mine}*"):
            client.delete(key)
    finally:
        client.close()


def two_stores(prefix: str, url: str = REDIS_URL) -> list[RedisStore]:
    return [RedisStore(url, prefix=prefix) for _ in range(2)]


@asynccontextmanager
async def two_wechat_workers(
    stores: list[RedisStore], dialogue: FakeDialogue, passive: float = 2.0
) -> AsyncIterator[tuple[Harness, Harness]]:
    """The official account's channel twice over one fake WeChat API, one store each."""
    fake = FakeWeChat(APP_ID, SECRET)
    api_base = await fake.start()
    settings = WeChatSettings.from_credentials(
        {
            "token": TOKEN,
            "app_id": APP_ID,
            "app_secret": SECRET,
            "api_base": api_base,
            "passive_reply_seconds": passive,
            "followup_delay_seconds": 0.05,
        },
        environ={},
    )
    first, second = (WeChatInput(settings, store=store) for store in stores)
    try:
        async with (
            serve_channel(first, dialogue) as one,
            serve_channel(second, dialogue) as other,
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as http,
        ):
            yield (
                Harness(f"{one}/webhook", fake, first, dialogue, http),
                Harness(f"{other}/webhook", fake, second, dialogue, http),
            )
    finally:
        await fake.stop()


@asynccontextmanager
async def two_miniprogram_workers(
    stores: list[RedisStore], dialogue: FakeDialogue
) -> AsyncIterator[tuple[MiniProgramHarness, MiniProgramHarness]]:
    fake = FakeWeChat(mp_app_id=MP_APP_ID, mp_app_secret=MP_SECRET)
    api_base = await fake.start()
    settings = MiniProgramSettings.from_credentials(
        {"app_id": MP_APP_ID, "app_secret": MP_SECRET, "api_base": api_base}, environ={}
    )
    first, second = (MiniProgramInput(settings, store=store) for store in stores)
    try:
        async with (
            serve_channel(first, dialogue) as one,
            serve_channel(second, dialogue) as other,
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as http,
        ):
            yield (
                MiniProgramHarness(one, fake, first, dialogue, http),
                MiniProgramHarness(other, fake, second, dialogue, http),
            )
    finally:
        await fake.stop()


async def test_a_retry_on_the_other_worker_gets_the_first_reply_and_rasa_sees_one_turn(prefix):
    dialogue = FakeDialogue(delay=0.6)
    async with two_wechat_workers(two_stores(prefix), dialogue) as (one, other):
        message = text_xml("我要办退休", msg_id=7001)
        first = asyncio.create_task(one.send(message))
        await asyncio.sleep(0.2)  # the first worker has claimed the message and runs its turn
        retried = await other.send(message)
        assert [reply_content(body) for _status, body in (await first, retried)] == ["收到：我要办退休"] * 2
        late = await other.send(message)  # WeChat's last retry, after the answer
        assert reply_content(late[1]) == "收到：我要办退休"
        assert dialogue.received == ["我要办退休"], "one turn for the message and its retries"


async def test_a_slow_turn_is_answered_once_through_customer_service_whichever_worker_the_retry_reaches(prefix):
    dialogue = FakeDialogue(delay=0.8)
    async with two_wechat_workers(two_stores(prefix), dialogue, passive=0.3) as (one, other):
        message = text_xml("想开个小饭馆", msg_id=7002)
        assert await one.send(message) == (200, "success")
        assert await other.send(message) == (200, "success")
        received = await one.wait_received(1)
        await asyncio.sleep(0.3)
        assert [item["text"]["content"] for item in one.fake.received] == ["收到：想开个小饭馆"]
        assert len(received) == 1 and dialogue.received == ["想开个小饭馆"]


async def test_quotas_count_on_both_workers_together(prefix):
    dialogue = FakeDialogue()
    async with two_wechat_workers(two_stores(prefix), dialogue) as (one, other):
        for harness in (one, other):
            harness.channel.rate = ChannelRate("wechat", harness.channel.store, limit=2)
        replies = [
            reply_content((await worker.send(text_xml(f"第{n}条", msg_id=7100 + n)))[1])
            for n, worker in enumerate((one, other, one))
        ]
        assert replies[:2] == ["收到：第0条", "收到：第1条"] and "太快" in replies[2]
        assert dialogue.received == ["第0条", "第1条"]


async def test_a_numbered_option_shown_by_one_worker_is_chosen_on_the_other(prefix):
    def reply(text: str) -> list[dict]:
        if text == "你好":
            return [{"text": "请选择：", "buttons": [{"title": "办退休", "payload": "/need_retirement"}]}]
        return [{"text": f"收到：{text}"}]

    dialogue = FakeDialogue(reply=reply)
    async with two_wechat_workers(two_stores(prefix), dialogue) as (one, other):
        assert "1. 办退休" in reply_content((await one.send(text_xml("你好", msg_id=7201)))[1])
        assert reply_content((await other.send(text_xml("1", msg_id=7202)))[1]) == "收到：/need_retirement"
        assert dialogue.received == ["你好", "/need_retirement"]


async def test_a_nonce_replayed_to_the_other_worker_is_refused(prefix):
    dialogue = FakeDialogue()
    async with two_wechat_workers(two_stores(prefix), dialogue) as (one, other):
        query, message = one.query(), text_xml("我的申请到哪一步了", msg_id=7301)
        assert (await one.post(message, query))[0] == 200
        assert (await other.post(message, query))[0] == 200, "WeChat's retry: the same body"
        assert (await other.post(text_xml("把我的申请撤回", msg_id=7302), query))[0] == 403
        assert dialogue.received == ["我的申请到哪一步了"]


async def test_a_mini_program_session_mailbox_and_buttons_cross_workers(prefix):
    def reply(text: str) -> list[dict]:
        if text == "你好":
            return [{"text": "请选择：", "buttons": [{"title": "满意", "payload": '/rate{"level":"满意"}'}]}]
        return [{"text": f"收到：{text}"}]

    dialogue = FakeDialogue(reply=reply)
    async with two_miniprogram_workers(two_stores(prefix), dialogue) as (one, other):
        token = await one.token("carol.1")
        assert (await other.send(token, "你好"))[0] == 200, "a token one worker issued is valid on the other"
        assert (await one.send(token, '/rate{"level":"满意"}'))[0] == 200
        assert dialogue.received[-1] == '/rate{"level":"满意"}', "the button the other worker showed"
        sender = dialogue.senders[-1]
        await one.channel.get_output_channel().send_text_message(sender, "【人工客服】您好")
        async with other.http.get(f"{other.base}/messages", headers={"Authorization": f"Bearer {token}"}) as answer:
            assert [m["text"] for m in (await answer.json())["messages"]] == ["【人工客服】您好"]
        async with one.http.get(f"{one.base}/messages", headers={"Authorization": f"Bearer {token}"}) as answer:
            assert (await answer.json())["messages"] == [], "taken once"


async def test_the_store_keeps_its_keys_under_the_prefix_with_their_ttl(prefix):
    store = RedisStore(REDIS_URL, prefix=prefix)
    try:
        options = store.space("wechat:options", ttl=60)
        await options.put(OPENID, [["办退休", "/need_retirement"]])
        assert await options.get(OPENID) == [["办退休", "/need_retirement"]]
        turns = store.space("wechat:turn", ttl=60)
        assert await turns.claim("msg:1", {}) and not await turns.claim("msg:1", {})
        mailbox = store.space("miniprogram:mailbox", ttl=60)
        await mailbox.push("mp:a", [1, 2, 3], keep=2)
        assert await mailbox.take("mp:a") == [2, 3] and await mailbox.take("mp:a") == []
        rate = store.space("rate:wechat", ttl=60)
        assert [await rate.admit(OPENID, 2) for _ in range(3)] == [True, True, False]
        assert [await store.space("wechat:cs-sent", ttl=60).incr("w") for _ in range(2)] == [1, 2]
        client = store.client
        keys = sorted(key.decode() for key in await client.keys(f"{prefix}*"))
        assert keys == [
            f"{prefix}rate:wechat:{OPENID}",
            f"{prefix}wechat:cs-sent:w",
            f"{prefix}wechat:options:{OPENID}",
            f"{prefix}wechat:turn:msg:1",
        ]
        lifetimes = [await client.pttl(key) for key in keys]
        assert all(0 < lifetime <= 60_000 for lifetime in lifetimes), lifetimes
    finally:
        await store.close()


async def test_with_redis_down_replays_strangers_and_double_turns_are_refused_the_rest_goes_on(prefix, caplog):
    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    dialogue = FakeDialogue()
    async with two_wechat_workers(two_stores(prefix, dead), dialogue) as (one, _other):
        started = time.monotonic()
        assert (await one.send(text_xml("你好", msg_id=7401)))[0] == 403, "a nonce that cannot be checked"
        assert time.monotonic() - started < 3, "well within WeChat's 5 s"
        assert dialogue.received == []
    assert any("refused rather than risk a replay" in r.getMessage() for r in caplog.records)

    async with two_miniprogram_workers(two_stores(prefix, dead), dialogue) as (one, _other):
        status, answer = await one.login("dave.1")
        assert (status, answer["error"], answer["message"]) == (
            503,
            "service_unavailable",
            wechat_texts.DIALOGUE_FAILED,
        )
        status, answer = await one.send("a-token-no-worker-can-check", "你好")
        assert (status, answer["error"]) == (503, "service_unavailable")
        assert texts.DIALOGUE_FAILED == wechat_texts.DIALOGUE_FAILED
        assert dialogue.received == []

    store = RedisStore(dead, prefix=prefix)
    try:
        assert await ChannelRate("wechat", store).allow(OPENID), "quotas let messages through"
        assert await SentButtons(store).admit("web:a", "/affirm") == "affirm", "a click reads as typed"
        memory = UserMemory(store)
        await memory.set_options(OPENID, (Option("办退休", "/need_retirement"),))
        assert await memory.options(OPENID) == (), "a typed 1 reads as words"
        assert await memory.reserve_cs_message(OPENID), "WeChat enforces its own quota"
    finally:
        await store.close()
    assert OPENID not in "\n".join(r.getMessage() for r in caplog.records)
