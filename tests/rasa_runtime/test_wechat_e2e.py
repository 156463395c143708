"""The WeChat channels inside the REAL Rasa server, with the action server and the fake WeChat
API as processes. Official account: subscribe → menu, "1" → the first 一件事, a retried message
counted once. Mini-program: login → "你好" gives the menu as buttons, "孩子出生了要办什么" sets
service_item=newborn, a forged token never reaches the dialogue.

Skipped unless BANSHI_E2E_MODEL names a trained model file (starting Rasa takes 30–40 s).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import quote

import aiohttp
import pytest
import xmltodict
from conftest import ACCOUNT, ROOT, free_port, sign

from bot.ops.processes import (
    NotHealthy,
    rasa_health_url,
    rasa_server_cmd,
    stop_processes,
    wait_healthy,
    write_endpoints,
)
from bot.ops.rasa_resilience import NOT_PROCESSED
from bot.settings import secret
from tests.support.fake_wechat import FakeWeChat
from tests.support.golden import SCENARIOS, START_TITLES, Transcript, button_lines, check

MODEL = os.environ.get("BANSHI_E2E_MODEL", "")
pytestmark = pytest.mark.skipif(
    not (MODEL and Path(MODEL).is_file()), reason="set BANSHI_E2E_MODEL to a trained model to run the real Rasa server"
)

TOKEN, APP_ID, SECRET = "e2e-token", "wxe2e0000000000000", "e2e-secret"
MP_APP_ID, MP_SECRET = "wxe2emini000000000", "e2e-mp-secret"
STARTUP_TIMEOUT_S = 240


def _get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def _wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    try:
        wait_healthy(url, process, log, STARTUP_TIMEOUT_S)
    except NotHealthy as error:
        pytest.fail(str(error))


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    work = tmp_path_factory.mktemp("wechat_e2e")
    actions_python = ROOT / ".venv-actions" / "bin" / "python"
    if not actions_python.exists():
        pytest.skip("the action server runtime (.venv-actions) is not installed")
    fake_port, action_port, rasa_port = free_port(), free_port(), free_port()
    (work / "credentials.yml").write_text(
        "rest:\n"
        "channels.wechat.WeChatInput:\n"
        f"  token: {TOKEN}\n  app_id: {APP_ID}\n  app_secret: {SECRET}\n"
        f'  encoding_aes_key: ""\n  api_base: http://127.0.0.1:{fake_port}\n'
        "channels.miniprogram.MiniProgramInput:\n"
        f"  app_id: {MP_APP_ID}\n  app_secret: {MP_SECRET}\n  api_base: http://127.0.0.1:{fake_port}\n",
        encoding="utf-8",
    )
    endpoints = write_endpoints(work / "endpoints.yml", action_port, work / "tracker.db", ROOT)
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "BANSHI_DB_URL": f"sqlite:///{work / 'banshi.db'}",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    }
    specs = [
        (
            "fake",
            [
                str(ROOT / ".venv-rasa" / "bin" / "python"),
                "-m",
                "tests.support.fake_wechat",
                "--port",
                str(fake_port),
                "--appid",
                APP_ID,
                "--secret",
                SECRET,
                "--mp-appid",
                MP_APP_ID,
                "--mp-secret",
                MP_SECRET,
            ],
            f"http://127.0.0.1:{fake_port}/_health",
        ),
        (
            "actions",
            [str(actions_python), "-m", "actions", "--port", str(action_port)],
            f"http://127.0.0.1:{action_port}/health",
        ),
        (
            "rasa",
            rasa_server_cmd(Path(MODEL), endpoints, rasa_port, ROOT, work / "credentials.yml"),
            rasa_health_url(rasa_port),
        ),
    ]
    processes = []
    try:
        for name, cmd, health in specs:
            log = work / f"{name}.log"
            processes.append(
                (subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT), health, log)
            )
        for process, health, log in processes:
            _wait_healthy(health, process, log)
        by_name = {name: process for (name, _cmd, _health), (process, _h, _l) in zip(specs, processes)}
        yield {
            "rasa": f"http://127.0.0.1:{rasa_port}",
            "fake": f"http://127.0.0.1:{fake_port}",
            "logs": work,
            "actions": by_name["actions"],
        }
    finally:
        stop_processes([process for process, _health, _log in processes])


def _xml(openid: str, body: str, msg_id: int | None) -> str:
    msg = f"<MsgId>{msg_id}</MsgId>" if msg_id else ""
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime>{body}{msg}</xml>"
    )


async def _post(rasa: str, xml: str) -> tuple[int, str]:
    ts, nonce = str(int(time.time())), uuid.uuid4().hex[:8]
    params = {"signature": sign(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce}
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http,
        http.post(f"{rasa}/webhooks/wechat/webhook", params=params, data=xml.encode()) as response,
    ):
        return response.status, await response.text()


async def _reply(stack: dict, openid: str, status_body: tuple[int, str]) -> str:
    """The reply the user sees: the passive one, or what reached the fake customer-service API."""
    status, body = status_body
    assert status == 200, body
    if body != "success":
        return xmltodict.parse(body)["xml"]["Content"]
    for _ in range(300):
        sent = [m["text"]["content"] for m in _get_json(f"{stack['fake']}/_received") if m["touser"] == openid]
        if sent:
            return "\n".join(sent)
        await asyncio.sleep(0.1)
    pytest.fail("no reply, neither passive nor through the customer-service API")


def _tracker(stack: dict, sender: str) -> dict:
    # Rasa's routes do not unquote path parameters: the ":" of "mp:<openid>" must stay literal.
    token = quote(secret("rasa_token", ROOT))
    return _get_json(f"{stack['rasa']}/conversations/{quote(sender, safe=':')}/tracker?token={token}")


def test_subscribe_menu_and_numbered_choice_through_real_rasa(stack):
    openid = f"oE2E{uuid.uuid4().hex[:20]}"

    async def conversation() -> None:
        event = "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>"
        menu = await _reply(stack, openid, await _post(stack["rasa"], _xml(openid, event, None)))
        assert "回复数字选择：" in menu and "\n1. " in menu
        choice = "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[1]]></Content>"
        await _post(stack["rasa"], _xml(openid, choice, 61000001))

    asyncio.run(conversation())
    tracker = _tracker(stack, openid)
    assert tracker["slots"]["service_item"] == "newborn"
    user_texts = [e.get("text") for e in tracker["events"] if e["event"] == "user"]
    assert user_texts == ["/greet", "/need_newborn"]
    assert {e.get("input_channel") for e in tracker["events"] if e["event"] == "user"} == {"wechat"}


def test_retried_message_advances_the_real_dialogue_once(stack):
    openid = f"oE2E{uuid.uuid4().hex[:20]}"
    xml = _xml(openid, "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[孩子出生了要办什么]]></Content>", 61000002)

    async def retries() -> list[tuple[int, str]]:
        return list(await asyncio.gather(*(_post(stack["rasa"], xml) for _ in range(3))))

    answers = asyncio.run(retries())
    assert {status for status, _ in answers} == {200}
    assert len({body for _, body in answers if body != "success"}) <= 1
    tracker = _tracker(stack, openid)
    assert [e.get("text") for e in tracker["events"] if e["event"] == "user"] == ["孩子出生了要办什么"]
    assert tracker["slots"]["service_item"] == "newborn"


def test_forged_request_never_reaches_real_rasa(stack):
    openid = f"oE2E{uuid.uuid4().hex[:20]}"
    xml = _xml(openid, "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content>", 61000003)

    async def forged() -> int:
        params = {"signature": "0" * 40, "timestamp": str(int(time.time())), "nonce": "1"}
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{stack['rasa']}/webhooks/wechat/webhook", params=params, data=xml.encode()) as r,
        ):
            return r.status

    assert asyncio.run(forged()) == 403
    events = _tracker(stack, openid)["events"]
    assert not [e for e in events if e["event"] == "user"]


async def _mp_post(http: aiohttp.ClientSession, url: str, body: dict, token: str | None = None) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with http.post(url, json=body, headers=headers) as response:
        return response.status, await response.json(content_type=None)


def test_miniprogram_login_menu_and_service_through_real_rasa(stack):
    user = f"mp{uuid.uuid4().hex[:12]}"
    base = f"{stack['rasa']}/webhooks/miniprogram"

    async def conversation() -> tuple[list[dict], list[dict]]:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
            status, login = await _mp_post(http, f"{base}/login", {"code": f"{user}.1"})
            assert status == 200, login
            status, refused = await _mp_post(http, f"{base}/login", {"code": "bad-code"})
            assert status == 401 and refused["error"] == "invalid_code"
            status, menu = await _mp_post(http, f"{base}/webhook", {"message": "你好"}, login["token"])
            assert status == 200, menu
            status, need = await _mp_post(http, f"{base}/webhook", {"message": "孩子出生了要办什么"}, login["token"])
            assert status == 200, need
            return menu["messages"], need["messages"]

    menu, need = asyncio.run(conversation())
    buttons = [m for m in menu if m["type"] == "buttons"]
    assert buttons, menu
    payloads = [b["payload"] for m in buttons for b in m["buttons"]]
    assert "/need_newborn" in payloads and all(b["title"] for m in buttons for b in m["buttons"])
    assert need and all(m["type"] in ("text", "buttons", "card") for m in need)

    sender = "mp:" + FakeWeChat(mp_app_id=MP_APP_ID).openid_for(user)
    tracker = _tracker(stack, sender)
    assert tracker["slots"]["service_item"] == "newborn"
    user_events = [e for e in tracker["events"] if e["event"] == "user"]
    assert [e["text"] for e in user_events] == ["你好", "孩子出生了要办什么"]
    assert {e.get("input_channel") for e in user_events} == {"miniprogram"}


def test_forged_miniprogram_token_never_reaches_real_rasa(stack):
    async def forged() -> tuple[int, dict]:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            return await _mp_post(
                http, f"{stack['rasa']}/webhooks/miniprogram/webhook", {"message": "你好"}, "forged-token"
            )

    status, answer = asyncio.run(forged())
    assert status == 401 and answer["error"] == "invalid_token" and "登录" in answer["message"]


async def _wechat_turn(stack: dict, openid: str, text: str, msg_id: int) -> str:
    """One typed message; the reply passive, or else the new customer-service messages."""
    before = len([m for m in _get_json(f"{stack['fake']}/_received") if m["touser"] == openid])
    status, body = await _post(
        stack["rasa"], _xml(openid, f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>", msg_id)
    )
    assert status == 200, body
    if body != "success":
        return xmltodict.parse(body)["xml"]["Content"]
    for _ in range(300):
        sent = [m["text"]["content"] for m in _get_json(f"{stack['fake']}/_received") if m["touser"] == openid]
        if len(sent) > before:
            return "\n".join(sent[before:])
        await asyncio.sleep(0.1)
    pytest.fail(f"no reply to {text!r}")


def _option_number(reply: str, title: str) -> str:
    found = re.search(rf"^(\d+)\. {re.escape(title)}$", reply, re.M)
    assert found, reply
    return found.group(1)


def test_wechat_opening_of_every_item_reads_as_reviewed(stack):
    """Each item's opening message, then the start option: the confirmation as WeChat shows it
    (numbered options), then the identity consent and nothing before it."""
    transcript = Transcript("每件事的第一条回复（微信公众号，按钮显示为数字选项）")

    async def conversations() -> None:
        for index, (code, scenario) in enumerate(SCENARIOS.items()):
            openid = f"oGold{code[:10]}{uuid.uuid4().hex[:8]}"
            transcript.lines.append(f"\n## {code}")
            transcript.user(scenario["first"])
            confirmation = await _wechat_turn(stack, openid, scenario["first"], 62000000 + 2 * index)
            transcript.bot(confirmation.splitlines())
            number = _option_number(
                confirmation, START_TITLES[0] if START_TITLES[0] in confirmation else START_TITLES[1]
            )
            transcript.user(number)
            consent = await _wechat_turn(stack, openid, number, 62000001 + 2 * index)
            transcript.bot(consent.splitlines())
            assert consent.startswith("在线办理"), consent

    asyncio.run(conversations())
    check("channels/wechat", transcript.text())


def _miniprogram_lines(messages: list[dict]) -> list[str]:
    lines = []
    for message in messages:
        if message["type"] == "card":
            lines.append(f"(卡片) {message['title']}")
            lines += [f"  {field['label']}：{field['value']}" for field in message.get("fields") or []]
        elif message.get("text"):
            lines.append(message["text"])
        lines += button_lines(message.get("buttons") or [])
    return lines


def test_miniprogram_opening_of_every_item_reads_as_reviewed(stack):
    """The same through the mini-program, whose buttons are real: the start button's payload."""
    transcript = Transcript("每件事的第一条回复（微信小程序，按钮为真实按钮）")
    base = f"{stack['rasa']}/webhooks/miniprogram"

    async def conversations() -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
            for code, scenario in SCENARIOS.items():
                status, login = await _mp_post(http, f"{base}/login", {"code": f"gold{uuid.uuid4().hex[:10]}.1"})
                assert status == 200, login
                transcript.lines.append(f"\n## {code}")
                transcript.user(scenario["first"])
                status, confirmation = await _mp_post(
                    http, f"{base}/webhook", {"message": scenario["first"]}, login["token"]
                )
                assert status == 200, confirmation
                transcript.bot(_miniprogram_lines(confirmation["messages"]))
                start = next(
                    b for m in confirmation["messages"] for b in m.get("buttons") or [] if b["title"] in START_TITLES
                )
                transcript.user(start["payload"], button=start["title"])
                status, consent = await _mp_post(http, f"{base}/webhook", {"message": start["payload"]}, login["token"])
                assert status == 200, consent
                transcript.bot(_miniprogram_lines(consent["messages"]))
                assert consent["messages"][0]["text"].startswith("在线办理"), consent

    asyncio.run(conversations())
    check("channels/miniprogram", transcript.text())


def test_miniprogram_apologises_when_the_action_server_is_down(stack):
    """Runs last in this module: it stops the action server. Rasa would only log the failed
    custom action (action_show_menu) and end the turn without a reply; bot/ops/rasa_resilience.py
    makes it an apology that asks to send the message again."""
    stack["actions"].terminate()
    stack["actions"].wait(timeout=20)
    base = f"{stack['rasa']}/webhooks/miniprogram"

    async def greet() -> tuple[int, dict]:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
            status, login = await _mp_post(http, f"{base}/login", {"code": f"down{uuid.uuid4().hex[:8]}.1"})
            assert status == 200, login
            return await _mp_post(http, f"{base}/webhook", {"message": "你好"}, login["token"])

    status, answer = asyncio.run(greet())
    assert status == 200, answer
    assert answer == {"messages": [{"type": "text", "text": NOT_PROCESSED}]}
