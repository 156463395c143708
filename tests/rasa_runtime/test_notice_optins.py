"""Opt-ins to case notices as WeChat reports them: the official account's subscribe-popup event
and the mini-program's subscription result reach the console's notifier signed, never the
dialogue; a console that is down loses the opt-in and the mini-program user is told."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from conftest import OPENID, FakeDialogue, message_xml, miniprogram_harness, wechat_harness

from bot import signed_hooks
from bot.settings import secret
from channels import notice_optins
from channels.miniprogram import texts


@asynccontextmanager
async def console(monkeypatch, status: int = 200) -> AsyncIterator[list[dict]]:
    """A stand-in for the console's /hooks/notice-optins that keeps what it was told, signed."""
    taken: list[dict] = []

    async def optins(request: web.Request) -> web.Response:
        body = await request.read()
        if signed_hooks.verify(secret("notice_secret"), request.headers, body) and status == 200:
            taken.append(json.loads(body))
        return web.json_response({}, status=status)

    app = web.Application()
    app.add_routes([web.post("/hooks/notice-optins", optins)])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setattr(notice_optins, "settings", dataclasses.replace(notice_optins.settings, console_url=url))
    try:
        yield taken
    finally:
        await runner.cleanup()


POPUP = (
    "<Event><![CDATA[subscribe_msg_popup_event]]></Event><SubscribeMsgPopupEvent>"
    "<List><TemplateId><![CDATA[tpl-progress]]></TemplateId>"
    "<SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString><PopupScene>2</PopupScene></List>"
    "<List><TemplateId><![CDATA[tpl-other]]></TemplateId>"
    "<SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString><PopupScene>2</PopupScene></List>"
    "</SubscribeMsgPopupEvent>"
)


async def test_the_official_accounts_popup_event_is_an_opt_in_not_a_message(monkeypatch):
    dialogue = FakeDialogue()
    async with console(monkeypatch) as taken, wechat_harness(dialogue) as h:
        assert await h.send(message_xml("event", POPUP, msg_id=None)) == (200, "success")
        for _ in range(50):
            if taken:
                break
            await asyncio.sleep(0.1)
    assert taken == [
        {"sender_id": OPENID, "channel": "wechat", "templates": {"tpl-progress": True, "tpl-other": False}}
    ]
    assert dialogue.received == []


async def test_the_mini_programs_subscription_result_is_recorded_and_answered(monkeypatch):
    async with console(monkeypatch) as taken, miniprogram_harness() as h:
        token = await h.token()
        auth = {"Authorization": f"Bearer {token}"}
        status, answer = await h.post(
            "/subscriptions", {"tpl-progress": "accept", "errMsg": "requestSubscribeMessage:ok"}, headers=auth
        )
        assert (status, answer["message"]) == (200, texts.SUBSCRIBED)
        status, answer = await h.post("/subscriptions", {"tpl-progress": "reject"}, headers=auth)
        assert (status, answer["message"]) == (200, texts.NOT_SUBSCRIBED)
        status, answer = await h.post("/subscriptions", {"errMsg": "ok", "<script>": "accept"}, headers=auth)
        assert (status, answer["error"]) == (400, "invalid_subscriptions")
        status, answer = await h.post("/subscriptions", {"tpl-progress": "accept"})
        assert status == 401
    assert [t["templates"] for t in taken] == [{"tpl-progress": True}, {"tpl-progress": False}]
    assert all(t["sender_id"].startswith("mp:") and t["channel"] == "miniprogram" for t in taken)


async def test_a_console_that_is_down_loses_the_opt_in_and_says_so(monkeypatch):
    async with console(monkeypatch, status=503) as taken, miniprogram_harness() as h:
        token = await h.token()
        status, answer = await h.post(
            "/subscriptions", {"tpl-progress": "accept"}, headers={"Authorization": f"Bearer {token}"}
        )
    assert status == 503 and "通知授权" in answer["message"] and taken == []
