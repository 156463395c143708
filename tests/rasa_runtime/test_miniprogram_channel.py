"""The mini-program webhook over real HTTP: a turn as structured JSON (text, buttons, cards),
the session token, a failing dialogue, settings, and masking in logs."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import pytest
from conftest import FakeDialogue, miniprogram_harness

from channels.config import ChannelConfigError
from channels.miniprogram import MiniProgramInput, texts
from channels.miniprogram.render import render_card, render_messages
from channels.miniprogram.sessions import SessionStore
from channels.miniprogram.settings import MiniProgramConfigError, MiniProgramSettings
from channels.rate import ChannelRate
from channels.wechat.settings import PRODUCTION_API_BASE

MENU = [
    {"text": "您好！我是示例市政务服务助手。"},
    {
        "text": "【个人办事】",
        "buttons": [
            {"title": "新生儿出生", "payload": "/need_newborn"},
            {"title": "入学报名", "payload": "/need_school_enrollment"},
        ],
    },
]
CARD = {
    "card": {
        "title": "新生儿出生一件事 · 申请摘要",
        "subtitle": "受理编号 SL20240001",
        "fields": [
            {"label": "办理状态", "value": "审核中"},
            {"label": "申请人", "value": "张*"},
            {"label": "已办事项", "value": 3},
        ],
        "buttons": [{"title": "查看进度", "payload": "/check_status"}],
        "footer": "如有疑问请拨打12345",
    }
}


def _replies(text: str) -> list[dict]:
    if text == "你好":
        return MENU
    if text == "/need_newborn":
        return [{"text": "这是您的申请："}, {"custom": CARD}]
    return [{"text": f"收到：{text}"}]


async def test_text_buttons_and_card_as_structured_json():
    async with miniprogram_harness(FakeDialogue(reply=_replies)) as h:
        token = await h.token()
        status, answer = await h.send(token, "孩子出生了要办什么")
        assert status == 200
        assert answer == {"messages": [{"type": "text", "text": "收到：孩子出生了要办什么"}]}

        status, answer = await h.send(token, "你好")
        assert answer == {
            "messages": [
                {"type": "text", "text": "您好！我是示例市政务服务助手。"},
                {
                    "type": "buttons",
                    "text": "【个人办事】",
                    "buttons": [
                        {"title": "新生儿出生", "payload": "/need_newborn"},
                        {"title": "入学报名", "payload": "/need_school_enrollment"},
                    ],
                },
            ]
        }

        status, answer = await h.send(token, "/need_newborn")  # a button's payload sent back
        assert answer == {
            "messages": [
                {"type": "text", "text": "这是您的申请："},
                {
                    "type": "card",
                    "title": "新生儿出生一件事 · 申请摘要",
                    "subtitle": "受理编号 SL20240001",
                    "fields": [
                        {"label": "办理状态", "value": "审核中"},
                        {"label": "申请人", "value": "张*"},
                        {"label": "已办事项", "value": "3"},
                    ],
                    "footer": "如有疑问请拨打12345",
                    "buttons": [{"title": "查看进度", "payload": "/check_status"}],
                },
            ]
        }
        assert h.dialogue.received == ["孩子出生了要办什么", "你好", "/need_newborn"]

        # the card's own button comes back as sent; a payload no button carried is words typed
        await h.send(token, "/check_status")
        await h.send(token, '/start_application{"prefill_consent":"yes"}')
        assert h.dialogue.received[-2:] == ["/check_status", 'start_application{"prefill_consent":"yes"}']


async def test_response_is_utf8_json_with_readable_chinese():
    async with miniprogram_harness() as h:
        token = await h.token()
        async with h.http.post(
            f"{h.base}/webhook", json={"message": "你好"}, headers={"Authorization": f"Bearer {token}"}
        ) as response:
            assert response.headers["Content-Type"] == "application/json; charset=utf-8"
            assert "收到：你好".encode() in await response.read()


async def test_message_is_stripped_and_sender_is_prefixed():
    async with miniprogram_harness() as h:
        token = await h.token("zoe.1")
        await h.send(token, "  \n 想开个小饭馆\r\n ")
        assert h.dialogue.received == ["想开个小饭馆"]
        assert h.dialogue.senders == ["mp:" + h.fake.openid_for("zoe")]


async def test_a_failing_dialogue_gets_a_polite_text_not_a_5xx():
    async with miniprogram_harness(FakeDialogue(fail=True)) as h:
        status, answer = await h.send(await h.token(), "你好")
        assert status == 200
        assert answer == {"messages": [{"type": "text", "text": texts.DIALOGUE_FAILED}]}
        assert "12345" in texts.DIALOGUE_FAILED


async def test_a_turn_without_reply_gets_a_polite_text():
    """Rasa only logs a failing custom action; the turn then ends without any bot message."""
    async with miniprogram_harness(FakeDialogue(reply=lambda text: [{"custom": {"not": "a card"}}])) as h:
        assert await h.send(await h.token(), "嗯") == (200, {"messages": [{"type": "text", "text": texts.NO_REPLY}]})
        assert "转人工" in texts.NO_REPLY and "12345" in texts.NO_REPLY


@pytest.mark.parametrize(
    "headers, error",
    [
        ({}, "missing_token"),
        ({"Authorization": ""}, "missing_token"),
        ({"Authorization": "Bearer"}, "invalid_token"),
        ({"Authorization": "Basic YWxhZGRpbjpvcGVuc2VzYW1l"}, "invalid_token"),
        ({"Authorization": "Bearer forged-token-0000000000000000000000000000"}, "invalid_token"),
        ({"Authorization": "Bearer " + "A" * 5000}, "invalid_token"),
        ({"Authorization": "Bearer a b"}, "invalid_token"),
    ],
)
async def test_missing_or_forged_tokens_are_401_in_chinese(headers, error):
    async with miniprogram_harness() as h:
        await h.token()  # a real session exists; it must not help
        status, answer = await h.post("/webhook", {"message": "你好"}, headers=headers)
        assert status == 401
        assert answer == {"error": error, "message": texts.ERRORS[error]}
        assert "登录" in answer["message"]
        assert h.dialogue.received == []


async def test_401_carries_www_authenticate():
    async with miniprogram_harness() as h, h.http.post(f"{h.base}/webhook", json={"message": "hi"}) as response:
        assert response.status == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer ")


async def test_expired_token_is_401_token_expired():
    now = [5000.0]
    async with miniprogram_harness() as h:
        h.channel.sessions = SessionStore(60, 100, clock=lambda: now[0])
        token = await h.token()
        assert (await h.send(token, "你好"))[0] == 200
        now[0] += 61
        status, answer = await h.send(token, "你好")
        assert (status, answer["error"]) == (401, "token_expired")
        assert answer["message"] == "登录已过期，请重新登录。"
        assert h.dialogue.received == ["你好"]
        fresh = await h.token("alice.2")  # logging in again helps
        assert (await h.send(fresh, "你好"))[0] == 200


async def test_scheme_is_case_insensitive():
    async with miniprogram_harness() as h:
        token = await h.token()
        status, _ = await h.post("/webhook", {"message": "你好"}, headers={"Authorization": f"bearer  {token}"})
        assert status == 200


async def test_unauthenticated_huge_body_is_401_before_reading_it():
    async with miniprogram_harness() as h:
        status, answer = await h.post("/webhook", raw=b"x" * (2 * 1024 * 1024))
        assert status == 401 and answer["error"] == "missing_token"
        token = await h.token()  # the server is still fine
        assert (await h.send(token, "你好"))[0] == 200


async def test_health_route():
    async with miniprogram_harness() as h, h.http.get(f"{h.base}/") as response:
        assert response.status == 200 and await response.json() == {"status": "ok"}


async def test_openid_is_masked_in_logs(caplog):
    caplog.set_level(logging.DEBUG)
    async with miniprogram_harness(FakeDialogue(fail=True)) as h:
        token = await h.token("yuki.1")
        await h.send(token, "我的身份证号是110101199003077777")
        await h.post("/webhook", {"message": "x"}, headers={"Authorization": "Bearer nope"})
        openid = h.fake.openid_for("yuki")
    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert f"{openid[:4]}…{openid[-4:]}" in logs  # the masked form is there
    assert openid not in logs
    assert token not in logs
    assert "110101199003077777" not in logs


# ---- rendering --------------------------------------------------------------------------------


def test_render_quick_replies_images_and_unknown_payloads():
    rendered = render_messages(
        [
            {"text": "选一个", "quick_replies": [{"title": "是", "payload": "/affirm"}, {"title": "无载荷"}]},
            {"image": "https://example.invalid/map.png"},
            {"custom": {"something": "else"}},
            {"attachment": "file.pdf"},
            {"text": "  "},
            "not a message",
            {"buttons": [{"payload": "/deny"}]},
        ]
    )
    assert rendered == [
        {"type": "buttons", "text": "选一个", "buttons": [{"title": "是", "payload": "/affirm"}]},
        {"type": "image", "url": "https://example.invalid/map.png"},
        {"type": "buttons", "text": "", "buttons": [{"title": "/deny", "payload": "/deny"}]},
    ]


@pytest.mark.parametrize(
    "custom",
    [
        None,
        "card",
        [],
        {"card": None},
        {"card": "x"},
        {"card": {}},
        {"card": {"title": ""}},
        {"card": {"title": 5}},
        {"card": {"fields": [{"label": "a", "value": "b"}]}},
    ],
)
def test_invalid_cards_are_not_shown(custom):
    assert render_card(custom) is None
    assert render_messages([{"custom": custom}]) == []


def test_card_fields_are_cleaned():
    card = render_card(
        {
            "card": {
                "title": " 状态 ",
                "fields": [
                    {"label": "a", "value": "x"},
                    {"label": "", "value": "y"},
                    {"label": "b"},
                    "junk",
                    {"label": "c", "value": {"nested": 1}},
                    {"label": "d", "value": True},
                    {"label": "e", "value": 1.5},
                ],
                "buttons": "not a list",
                "subtitle": 7,
            }
        }
    )
    assert card == {
        "type": "card",
        "title": "状态",
        "fields": [{"label": "a", "value": "x"}, {"label": "d", "value": "是"}, {"label": "e", "value": "1.5"}],
    }


def test_card_with_text_in_one_message():
    assert render_messages([{"text": "您的申请", "custom": {"card": {"title": "摘要"}}}]) == [
        {"type": "text", "text": "您的申请"},
        {"type": "card", "title": "摘要", "fields": []},
    ]


# ---- settings ---------------------------------------------------------------------------------

ENV = {
    "BANSHI_MINIPROGRAM_APPID": "wxenvmini000000000",
    "BANSHI_MINIPROGRAM_SECRET": "env-mp-secret",
    "BANSHI_WECHAT_API_BASE": "http://localhost:9999/",
    "BANSHI_WECHAT_APPID": "wx-oa-not-this",
}


def test_empty_credentials_fall_back_to_the_environment():
    settings = MiniProgramSettings.from_credentials({"app_id": "", "app_secret": None, "api_base": ""}, ENV)
    assert settings.app_id == "wxenvmini000000000"
    assert settings.app_secret == "env-mp-secret"
    assert settings.api_base == "http://localhost:9999"  # shared with the official account
    given = MiniProgramSettings.from_credentials({"app_id": "wxcred", "app_secret": "s"}, ENV)
    assert given.app_id == "wxcred" and given.app_secret == "s"


def test_development_defaults_talk_to_the_local_fake():
    settings = MiniProgramSettings.from_credentials(None, {})
    assert settings.api_base == "http://127.0.0.1:8011"
    assert settings.app_id.startswith("wx") and settings.app_secret
    assert settings.session_ttl_seconds == 7200 and settings.max_body_bytes == 64 * 1024
    assert settings.max_message_chars == 2000


def test_real_api_with_development_secrets_refuses_to_start():
    with pytest.raises(MiniProgramConfigError, match="BANSHI_MINIPROGRAM_APPID"):
        MiniProgramSettings.from_credentials({"api_base": PRODUCTION_API_BASE}, {})
    with pytest.raises(ChannelConfigError, match="BANSHI_MINIPROGRAM_SECRET"):
        MiniProgramSettings.from_credentials({"api_base": PRODUCTION_API_BASE, "app_id": "wxreal"}, {})
    real = MiniProgramSettings.from_credentials(
        {"api_base": PRODUCTION_API_BASE, "app_id": "wxreal", "app_secret": "s3cret"}, {}
    )
    assert real.api_base == PRODUCTION_API_BASE


@pytest.mark.parametrize(
    "credentials",
    [
        {"api_base": "ftp://x"},
        {"session_ttl_seconds": 0},
        {"max_sessions": -1},
        {"max_body_bytes": 10},
        {"max_message_chars": "lots"},
        {"wechat_timeout_seconds": 0},
    ],
)
def test_bad_settings_refuse_to_start(credentials):
    with pytest.raises(MiniProgramConfigError):
        MiniProgramSettings.from_credentials(credentials, {})


def test_from_credentials_builds_the_channel():
    channel = MiniProgramInput.from_credentials(None)
    assert channel.name() == "miniprogram" and channel.url_prefix() == "miniprogram"


def test_rasa_loads_the_channel_from_a_credentials_section_with_empty_values(tmp_path, monkeypatch):
    from rasa.core.run import create_http_input_channels

    monkeypatch.setenv("BANSHI_MINIPROGRAM_APPID", "wxfromenv")
    credentials = tmp_path / "credentials.yml"
    credentials.write_text(
        'rest:\nchannels.miniprogram.MiniProgramInput:\n  app_id: ""\n  app_secret: ""\n  api_base: ""\n',
        encoding="utf-8",
    )
    channels = create_http_input_channels(None, str(credentials))
    [channel] = [c for c in channels if isinstance(c, MiniProgramInput)]
    assert channel.settings.app_id == "wxfromenv"
    credentials.write_text("channels.miniprogram.MiniProgramInput:\n", encoding="utf-8")  # an empty section
    assert isinstance(create_http_input_channels(None, str(credentials))[0], MiniProgramInput)


async def test_a_user_sending_too_fast_is_held_back_politely():
    async with miniprogram_harness() as h:
        h.channel.rate = ChannelRate("miniprogram", limit=2)
        token = await h.token()
        statuses = [(await h.send(token, f"第{n}条"))[0] for n in range(3)]
        assert statuses == [200, 200, 429]
        status, answer = await h.send(token, "再来")
        assert status == 429 and "太快" in answer["message"]
        assert h.dialogue.received == ["第0条", "第1条"], "held-back messages never reach the dialogue"


def test_a_submission_offers_case_notices_to_subscribe_to():
    from bot.settings import settings
    from channels.miniprogram import texts

    rendered = render_messages(
        [
            {"text": "申请已提交！申请编号：BS20261206000001。", "buttons": [{"title": "查进度", "payload": "/x"}]},
            {"custom": {"offer_notices": {"application_no": "BS20261206000001"}}},
        ]
    )
    assert rendered[1] == {
        "type": "subscribe",
        "text": texts.OFFER_NOTICES,
        "template_ids": [settings.miniprogram_notice_template],
        "button": texts.OFFER_NOTICES_BUTTON,
    }
    assert render_messages([{"custom": {"offer_notices": "yes"}}]) == []


async def test_a_message_sent_again_with_its_id_is_answered_once():
    """The mini-program resends a message whose request failed with the same `message_id`:
    whether the first try is still running or already answered, there is one turn."""
    async with miniprogram_harness(FakeDialogue(delay=0.3)) as h:
        auth = {"Authorization": f"Bearer {await h.token()}"}
        body = {"message": "提交", "message_id": "c0ffee0123456789"}
        answers = await asyncio.gather(*(h.post("/webhook", body, headers=auth) for _ in range(2)))
        again = await h.post("/webhook", body, headers=auth)
        assert h.dialogue.received == ["提交"]
        assert [status for status, _ in [*answers, again]] == [200] * 3
        assert [answer["messages"] for _, answer in [*answers, again]] == [[{"type": "text", "text": "收到：提交"}]] * 3
        await h.post("/webhook", {"message": "提交", "message_id": "another-id-1"}, headers=auth)
        assert h.dialogue.received == ["提交", "提交"], "a new id is a new message"
        status, refused = await h.post("/webhook", {"message": "提交", "message_id": "../x"}, headers=auth)
        assert (status, refused["error"]) == (400, "invalid_message_id")
        assert "message_id" in refused["message"]


async def test_an_answer_whose_client_left_waits_in_the_mailbox():
    async with miniprogram_harness(FakeDialogue(delay=0.5)) as h:
        auth = {"Authorization": f"Bearer {await h.token()}"}
        with pytest.raises(asyncio.TimeoutError):
            await h.http.post(
                f"{h.base}/webhook", json={"message": "你好"}, headers=auth, timeout=aiohttp.ClientTimeout(total=0.1)
            )
        await asyncio.sleep(0.8)
        async with h.http.get(f"{h.base}/messages", headers=auth) as response:
            assert (await response.json())["messages"] == [{"type": "text", "text": "收到：你好"}]
        assert h.dialogue.finished == 1


def test_a_materials_card_becomes_a_picker_per_material():
    from bot.applications import words
    from bot.applications.form import get_form

    material = get_form("restaurant").material("经营场所平面布局图")
    reply = words.ask_upload(material, 1, 6, ["经营场所平面布局图", "店招效果图"])
    rendered = render_messages([{"text": reply.text}, {"custom": reply.custom}])
    assert rendered[-1] == {
        "type": "materials",
        "text": words.CARD_TITLE,
        "items": ["经营场所平面布局图", "店招效果图"],
        "button": "一起上传",
    }
    assert render_messages([{"custom": {"materials_card": {"items": []}}}]) == []
