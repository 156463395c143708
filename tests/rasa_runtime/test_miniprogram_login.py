"""Mini-program login over real HTTP: code → jscode2session at the fake WeChat API → session token."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from conftest import MP_APP_ID, free_port, miniprogram_harness

from channels.miniprogram import MiniProgramInput, texts
from channels.miniprogram.sessions import SessionStore
from channels.miniprogram.settings import MiniProgramSettings


async def test_good_code_gives_an_opaque_token_bound_to_the_openid():
    async with miniprogram_harness() as h:
        status, answer = await h.login("alice.1")
        assert status == 200, answer
        assert set(answer) == {"token", "token_type", "expires_in"}
        assert answer["token_type"] == "Bearer" and answer["expires_in"] == 7200
        token = answer["token"]
        assert len(token) >= 40 and h.fake.openid_for("alice.1") not in token

        [request] = h.fake.session_requests
        assert request["appid"] == MP_APP_ID and request["js_code"] == "alice.1"
        assert request["grant_type"] == "authorization_code" and request["errcode"] == 0

        status, _ = await h.send(token, "你好")
        assert status == 200
        assert h.dialogue.senders == ["mp:" + h.fake.openid_for("alice.1")]


async def test_the_same_user_gets_the_same_conversation_with_a_new_code():
    async with miniprogram_harness() as h:
        first, second, other = await h.token("alice.1"), await h.token("alice.2"), await h.token("bob.1")
        assert len({first, second, other}) == 3
        for token in (first, second, other):
            assert (await h.send(token, "你好"))[0] == 200
        alice, bob = "mp:" + h.fake.openid_for("alice"), "mp:" + h.fake.openid_for("bob")
        assert h.dialogue.senders == [alice, alice, bob]
        assert alice != bob


async def test_session_key_never_leaves_the_channel(caplog):
    caplog.set_level(logging.DEBUG)
    async with miniprogram_harness() as h:
        async with h.http.post(f"{h.base}/login", json={"code": "carol.1"}) as response:
            raw = await response.text()
        assert response.status == 200
        assert "session_key" not in raw and "openid" not in raw
        assert h.fake.openid_for("carol") not in raw
    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert "session_key" not in logs
    assert h.fake.openid_for("carol") not in logs
    assert "carol.1" not in logs  # nor the code


@pytest.mark.parametrize(
    "code, status, error",
    [
        ("bad-code", 401, "invalid_code"),  # errcode 40029
        ("invalid.7", 401, "invalid_code"),  # errcode 40029
        ("risky.1", 403, "login_refused"),  # errcode 40226
    ],
)
async def test_codes_wechat_rejects(code, status, error):
    async with miniprogram_harness() as h:
        got, answer = await h.login(code)
        assert (got, answer["error"]) == (status, error)
        assert answer["message"] == texts.ERRORS[error]
        assert "登录" in answer["message"]
        assert h.dialogue.received == []
        assert "token" not in answer


async def test_a_code_works_once():
    async with miniprogram_harness() as h:
        assert (await h.login("dave.1"))[0] == 200
        status, answer = await h.login("dave.1")  # errcode 40163
        assert (status, answer["error"]) == (401, "invalid_code")
        assert [r["errcode"] for r in h.fake.session_requests] == [0, 40163]


@pytest.mark.parametrize(
    "errcode, status, error",
    [
        (45011, 429, "login_rate_limited"),
        (-1, 503, "wechat_unavailable"),  # WeChat: system busy
        (40013, 503, "wechat_unavailable"),  # our AppID is wrong: a configuration error
    ],
)
async def test_wechat_errors_at_login(errcode, status, error, caplog):
    caplog.set_level(logging.WARNING, logger="channels.miniprogram")
    async with miniprogram_harness() as h:
        h.fake.faults.append({"api": "jscode2session", "errcode": errcode, "times": 1})
        got, answer = await h.login("erin.1")
        assert (got, answer["error"]) == (status, error)
        assert answer["message"] == texts.ERRORS[error]
        assert (await h.login("erin.2"))[0] == 200  # the fault was transient
    if errcode == 40013:
        assert any("BANSHI_MINIPROGRAM_APPID" in r.getMessage() for r in caplog.records)


async def test_wrong_secret_is_a_503_and_logged_as_configuration(caplog):
    caplog.set_level(logging.ERROR, logger="channels.miniprogram")
    async with miniprogram_harness(app_secret="not-the-secret") as h:
        status, answer = await h.login("frank.1")
        assert (status, answer["error"]) == (503, "wechat_unavailable")
        assert h.fake.session_requests[0]["errcode"] == 40125
    assert any("40125" in r.getMessage() for r in caplog.records)


async def test_fake_wechat_down_is_a_503_with_a_chinese_message():
    async with miniprogram_harness() as h:
        dead = MiniProgramSettings.from_credentials(
            {"app_id": MP_APP_ID, "app_secret": "x", "api_base": f"http://127.0.0.1:{free_port()}"}, environ={}
        )
        h.channel.api = MiniProgramInput(dead).api
        started = time.monotonic()
        status, answer = await h.login("gina.1")
        assert (status, answer["error"]) == (503, "wechat_unavailable")
        assert "稍后再试" in answer["message"] and "12345" in answer["message"]
        assert time.monotonic() - started < 5
        await h.channel.api.close()


async def test_slow_wechat_times_out_as_503():
    async with miniprogram_harness(wechat_timeout_seconds=0.3) as h:
        h.fake.faults.append({"api": "jscode2session", "errcode": 0, "delay_seconds": 2, "times": 1})
        started = time.monotonic()
        status, answer = await h.login("hank.1")
        assert (status, answer["error"]) == (503, "wechat_unavailable")
        assert time.monotonic() - started < 1.5


async def test_login_does_not_block_the_event_loop():
    """While WeChat is slow to answer one login, other requests are served."""
    async with miniprogram_harness() as h:
        h.fake.faults.append({"api": "jscode2session", "errcode": 0, "delay_seconds": 1.0, "times": 1})
        slow = asyncio.ensure_future(h.login("ivan.1"))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        async with h.http.get(f"{h.base}/") as response:
            assert response.status == 200
        assert time.monotonic() - started < 0.5
        assert (await slow)[0] == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"code": ""},
        {"code": None},
        {"code": 123},
        {"code": ["a"]},
        {"code": {"x": 1}},
        {"code": "a" * 129},
        {"code": "含中文"},
        {"code": "a b"},
        {"code": "../../etc/passwd"},
        {"code": "x&secret=y"},
        {"code": "abc\n"},
        [],
        "code",
        1,
        None,
    ],
)
async def test_malformed_login_requests_are_400_without_calling_wechat(body):
    async with miniprogram_harness() as h:
        status, answer = await h.post("/login", body)
        assert status == 400, answer
        assert answer["error"] in ("invalid_code_field", "invalid_json")
        assert answer["message"]
        assert h.fake.session_requests == []


@pytest.mark.parametrize("raw", [b"", b"{", b"code=abc", b"\xff\xfe{}", b"[" * 100_000])
async def test_unreadable_login_bodies(raw):
    async with miniprogram_harness() as h:
        status, answer = await h.post("/login", raw=raw)
        assert status in (400, 413), answer
        assert h.fake.session_requests == []


async def test_session_store_expiry_and_bound():
    now = [1000.0]
    store = SessionStore(ttl_seconds=60, size=3, clock=lambda: now[0])
    tokens = [(await store.issue(f"user{i}"))[0] for i in range(4)]
    assert (await store.resolve(tokens[0])).value == "invalid_token"  # evicted, the oldest
    assert (await store.resolve(tokens[1])).openid == "user1"
    assert (await store.resolve(tokens[3])).openid == "user3"
    now[0] += 61
    assert (await store.resolve(tokens[3])).value == "token_expired"
    now[0] += 60
    assert (await store.resolve(tokens[3])).value == "invalid_token"  # forgotten after a second TTL
    assert (await store.resolve(None)).value == "missing_token"
    assert (await store.resolve("x" * 500)).value == "invalid_token"
    fresh, _ = await store.issue("user9")
    assert await store.revoke(fresh) and (await store.resolve(fresh)).value == "invalid_token"
