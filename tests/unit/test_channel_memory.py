"""The channels' memory in this process (channels/state_store.py, the default without Redis): what
each operation means, which the Redis store must mean too (tests/rasa_runtime/
test_channel_state_redis.py), and what each memory does when its store does not answer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from bot.privacy import mask_identifier
from channels.miniprogram.sessions import SessionStore
from channels.payloads import SentButtons
from channels.rate import ChannelRate, MessageRate
from channels.state_store import ChannelStore, InProcessStore, Space, StoreUnavailable
from channels.wechat import state
from channels.wechat.rendering import Option
from channels.wechat.state import Nonces, TurnRegistry, UserMemory

OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_values_read_back_as_json_and_are_copies():
    async def check() -> None:
        space = InProcessStore().space("t", ttl=60)
        assert await space.get("a") is None
        await space.put("a", {"options": (("好的", "/affirm"),)})
        kept = await space.get("a")
        assert kept == {"options": [["好的", "/affirm"]]}, "tuples come back as lists, as from Redis"
        kept["options"].clear()
        assert (await space.get("a"))["options"], "what was read is a copy"

    run(check())


def test_entries_live_their_ttl_from_the_last_write_and_the_oldest_go_beyond_size():
    async def check() -> None:
        clock = Clock()
        space = InProcessStore(clock).space("t", ttl=60, size=2)
        await space.put("a", 1)
        clock.now += 50
        await space.put("a", 2)
        clock.now += 50
        assert await space.get("a") == 2, "renewed by the second write"
        clock.now += 61
        assert await space.get("a") is None
        for key in ("x", "y", "z"):
            await space.put(key, key)
        assert [await space.get(key) for key in ("x", "y", "z")] == [None, "y", "z"]

    run(check())


def test_a_claim_is_won_once_until_it_expires():
    async def check() -> None:
        clock = Clock()
        space = InProcessStore(clock).space("t", ttl=10)
        assert await space.claim("msg:1", {}) is True
        assert await space.claim("msg:1", {"other": True}) is False
        assert await space.get("msg:1") == {}, "the loser changes nothing"
        clock.now += 11
        assert await space.claim("msg:1", {}) is True

    run(check())


def test_delete_says_whether_there_was_anything():
    async def check() -> None:
        clock = Clock()
        space = InProcessStore(clock).space("t", ttl=10)
        await space.put("a", 1)
        assert await space.delete("a") is True
        assert await space.delete("a") is False
        await space.put("b", 1)
        clock.now += 11
        assert await space.delete("b") is False, "an expired entry is already gone"

    run(check())


def test_lists_keep_their_latest_items_and_take_empties_them():
    async def check() -> None:
        space = InProcessStore().space("t", ttl=60)
        await space.push("a", [1, 2, 3], keep=4)
        await space.push("a", [4, 5], keep=4)
        assert await space.items("a") == [2, 3, 4, 5]
        assert await space.take("a") == [2, 3, 4, 5]
        assert await space.take("a") == [] and await space.items("a") == []

    run(check())


def test_counters_count_until_they_expire():
    async def check() -> None:
        clock = Clock()
        space = InProcessStore(clock).space("t", ttl=10)
        assert [await space.incr("a") for _ in range(3)] == [1, 2, 3]
        clock.now += 11
        assert await space.incr("a") == 1

    run(check())


def test_admit_is_a_sliding_window_that_does_not_count_refusals():
    async def check() -> None:
        clock = Clock()
        space = InProcessStore(clock).space("t", ttl=60)
        assert [await space.admit("a", 2) for _ in range(3)] == [True, True, False]
        assert await space.admit("b", 2), "another key is not affected"
        clock.now += 30
        assert await space.admit("a", 2) is False
        clock.now += 31
        assert await space.admit("a", 2), "a window after the admitted ones, however often refused"

    run(check())


def test_one_name_is_one_space_in_a_store():
    store = InProcessStore()
    assert store.space("wechat:options", 60) is store.space("wechat:options", 60)
    assert store.space("wechat:options", 60) is not InProcessStore().space("wechat:options", 60)
    assert store.shared is False


def test_channel_rates_on_one_store_count_together_per_name():
    async def check() -> None:
        store = InProcessStore()
        one, other = ChannelRate("wechat", store, limit=2), ChannelRate("wechat", store, limit=2)
        uploads = ChannelRate("wechat-upload", store, limit=2)
        assert [await one.allow(OPENID), await other.allow(OPENID), await one.allow(OPENID)] == [True, True, False]
        assert await uploads.allow(OPENID), "uploads keep their own count"

    run(check())


def test_the_console_rate_still_counts_without_an_event_loop():
    rate = MessageRate(limit=1)
    assert [rate.allow("127.0.0.1"), rate.allow("127.0.0.1")] == [True, False]


def test_a_retried_message_starts_one_turn_and_other_messages_their_own():
    async def check() -> None:
        started: list[str] = []

        def start(name: str) -> Callable[[], str]:  # a name stands in for the Turn
            def make() -> str:
                started.append(name)
                return name

            return make

        turns = TurnRegistry()
        assert await turns.get_or_start("msg:1", start("first")) == ("first", True)
        assert await turns.get_or_start("msg:1", start("retry")) == ("first", False)
        assert await turns.get_or_start("msg:2", start("second")) == ("second", True)
        assert started == ["first", "second"]

    run(check())


def test_a_turn_claimed_elsewhere_is_answered_with_its_published_reply():
    async def check() -> None:
        store = InProcessStore()
        here, elsewhere = TurnRegistry(store), TurnRegistry(store)
        assert (await here.get_or_start("msg:1", lambda: "turn"))[1] is True
        assert await elsewhere.get_or_start("msg:1", lambda: "never") == (None, False)
        assert await elsewhere.reply_from_elsewhere("msg:1", timeout=0.1) is None, "no decision yet"
        await here.publish("msg:1", "passive", ["收到", "第二段"])
        assert await elsewhere.reply_from_elsewhere("msg:1", timeout=0.1) == "收到"
        await here.publish("msg:1", "cs", [])
        assert await elsewhere.reply_from_elsewhere("msg:1", timeout=0.1) is None

    run(check())


def test_a_turn_whose_worker_died_is_taken_over_by_one_retry(monkeypatch):
    """A claim with no decision past ORPHANED_SECONDS was made by a worker that died mid-turn:
    a retry reaching another worker takes the turn over (once), instead of answering "success"
    for a message nobody answers."""
    monkeypatch.setattr(state, "ORPHANED_SECONDS", 0.05)

    async def check() -> None:
        store = InProcessStore()
        dead, alive, also_alive = TurnRegistry(store), TurnRegistry(store), TurnRegistry(store)
        assert (await dead.get_or_start("msg:1", lambda: "lost"))[1] is True
        assert await alive.get_or_start("msg:1", lambda: "never") == (None, False), "fresh: not orphaned"
        assert await alive.reply_from_elsewhere("msg:1", timeout=1.0) is state.ORPHANED
        assert await alive.get_or_start("msg:1", lambda: "taken over") == ("taken over", True)
        assert await also_alive.get_or_start("msg:1", lambda: "twice") == (None, False), "one retry wins"
        await alive.publish("msg:1", "passive", ["答复"])
        assert await also_alive.reply_from_elsewhere("msg:1", timeout=0.1) == "答复"

    run(check())


def test_a_nonce_carries_one_body():
    async def check() -> None:
        nonces = Nonces(ttl_seconds=600)
        assert await nonces.spend("1700000000:42", "digest-a")
        assert await nonces.spend("1700000000:42", "digest-a"), "WeChat's retry resends the same body"
        assert not await nonces.spend("1700000000:42", "digest-b")

    run(check())


def test_options_and_the_allowance_per_user():
    async def check() -> None:
        clock = Clock()
        memory = UserMemory(clock=clock)
        await memory.set_options(OPENID, (Option("好的", "/affirm"),))
        assert await memory.options(OPENID) == (Option("好的", "/affirm"),)
        await memory.note_user_message(OPENID)
        assert [await memory.reserve_cs_message(OPENID) for _ in range(6)] == [True] * 5 + [False]
        await memory.note_user_message(OPENID)
        assert await memory.reserve_cs_message(OPENID), "a new message, a new allowance"
        await memory.block_cs(OPENID)
        assert not await memory.reserve_cs_message(OPENID)

    run(check())


class _Down(Space):
    """A space whose store never answers."""

    async def _fail(self, *_args: Any) -> Any:
        raise StoreUnavailable(f"Redis get in {self.name}: ConnectionError: refused")

    get = put = claim = delete = push = items = take = incr = admit = _fail


class DownStore(ChannelStore):
    def _make_space(self, name: str, ttl: float, size: int) -> Space:
        return _Down(name, ttl)

    async def close(self) -> None:
        pass


def test_without_the_store_what_is_only_convenience_goes_on(caplog):
    async def check() -> None:
        store = DownStore()
        assert await ChannelRate("wechat", store).allow(OPENID), "quotas let messages through"
        sent = SentButtons(store)
        await sent.remember("web:a", ["/affirm"])
        assert await sent.admit("web:a", "/affirm") == "affirm", "a click reads as typed"
        memory = UserMemory(store)
        await memory.set_options(OPENID, (Option("好的", "/affirm"),))
        assert await memory.options(OPENID) == (), "a typed 1 reads as words"
        await memory.note_user_message(OPENID)
        assert await memory.reserve_cs_message(OPENID), "WeChat enforces its own quota"

    run(check())
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert mask_identifier(OPENID) in logged and OPENID not in logged, "openids are masked"


def test_without_the_store_what_guards_against_replays_and_strangers_refuses():
    async def check() -> None:
        store = DownStore()
        with pytest.raises(StoreUnavailable):
            await Nonces(600, store).spend("1700000000:42", "digest")
        with pytest.raises(StoreUnavailable):
            await TurnRegistry(store).get_or_start("msg:1", lambda: "never started")
        with pytest.raises(StoreUnavailable):
            await SessionStore(7200, 10, store=store).resolve("a-token")

    run(check())
