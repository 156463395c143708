"""Harness for the WeChat channel tests (official account and mini-program): the channel's
blueprint in a real Sanic server on a free port, the fake WeChat API (tests/support/fake_wechat.py)
in the same event loop, a fake dialogue in place of Rasa's agent, and wechatpy on the client
side to sign and encrypt.

pytest-asyncio is not in the Rasa runtime, so `async def` tests are run here with
`asyncio.run`, each in a fresh loop.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import secrets
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
import xmltodict
from sanic import Sanic
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from channels.miniprogram import MiniProgramInput
from channels.miniprogram.settings import MiniProgramSettings
from channels.wechat import WeChatInput
from channels.wechat.settings import WeChatSettings
from tests.support.fake_wechat import FakeWeChat

ROOT = Path(__file__).resolve().parents[2]

# Sanic 21.12 rewrites its own methods when an app starts; without test mode the second app
# in one process fails ("KeyError: 'handle_exception'").
Sanic.test_mode = True

TOKEN = "test-token"
APP_ID = "wx1234567890abcdef"
SECRET = "test-secret"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as WeChat issues them
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
ACCOUNT = "gh_0123456789ab"


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
        asyncio.run(asyncio.wait_for(pyfuncitem.obj(**args), timeout=60))
        return True
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def text_xml(content: str, msg_id: int | str = 1001, openid: str = OPENID, create_time: int | None = None) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{create_time or int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )


def message_xml(msg_type: str, fields: str = "", msg_id: int | None = 2001, openid: str = OPENID) -> str:
    msg = f"<MsgId>{msg_id}</MsgId>" if msg_id is not None else ""
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>{fields}{msg}</xml>"
    )


Reply = Callable[[str], list[dict[str, Any]]]


@dataclass
class FakeDialogue:
    """Stands in for Rasa's `agent.handle_message`: records each turn, then answers."""

    reply: Reply = lambda text: [{"text": f"收到：{text}"}]
    delay: float = 0.0
    fail: bool = False
    fail_after_reply: bool = False
    """Answers, then fails: Redis gone as Rasa releases the conversation's lock."""
    received: list[str] = field(default_factory=list)
    senders: list[str] = field(default_factory=list)
    finished: int = 0

    async def __call__(self, message: Any) -> None:
        self.received.append(message.text)
        self.senders.append(message.sender_id)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            raise RuntimeError("dialogue exploded")
        for bot_message in self.reply(message.text):
            await message.output_channel.send_response(message.sender_id, dict(bot_message))
        if self.fail_after_reply:
            raise RuntimeError("the lock could not be released")
        self.finished += 1


@dataclass
class Harness:
    url: str
    fake: FakeWeChat
    channel: WeChatInput
    dialogue: FakeDialogue
    http: aiohttp.ClientSession
    token: str = TOKEN
    aes: bool = False

    @property
    def crypto(self) -> WeChatCrypto:
        return WeChatCrypto(self.token, AES_KEY, APP_ID)

    def query(self, timestamp: int | None = None, nonce: str | None = None, **extra: str) -> dict[str, str]:
        """A signed query as WeChat sends it: a fresh nonce each time unless one is given."""
        ts = str(timestamp if timestamp is not None else int(time.time()))
        nonce = nonce or str(secrets.randbelow(10**9))
        return {"signature": sign(self.token, ts, nonce), "timestamp": ts, "nonce": nonce, **extra}

    async def post(
        self, body: bytes | str, query: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        data = body.encode("utf-8") if isinstance(body, str) else body
        query = self.query() if query is None else query
        async with self.http.post(f"{self.url}?{urlencode(query)}", data=data, headers=headers) as response:
            return response.status, await response.text()

    async def send(self, xml: str) -> tuple[int, str]:
        """Posts a message as WeChat would in the harness's mode; returns status and the reply
        XML (decrypted in safe mode) or `success`."""
        if not self.aes:
            return await self.post(xml)
        timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**9))
        envelope = xmltodict.parse(self.crypto.encrypt_message(xml, nonce, timestamp))["xml"]
        query = self.query(
            timestamp=int(timestamp), nonce=nonce, encrypt_type="aes", msg_signature=envelope["MsgSignature"]
        )
        body = (
            f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
        )
        status, text = await self.post(body, query)
        if status == 200 and text != "success":
            reply = xmltodict.parse(text)["xml"]
            text = self.crypto.decrypt_message(text, reply["MsgSignature"], reply["TimeStamp"], reply["Nonce"])
        return status, text

    async def wait_received(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.fake.received) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return list(self.fake.received)


def reply_content(xml: str) -> str:
    """The text of a passive reply, checking it is addressed back to the sender."""
    reply = xmltodict.parse(xml)["xml"]
    assert reply["MsgType"] == "text"
    assert reply["ToUserName"] == OPENID and reply["FromUserName"] == ACCOUNT
    return reply["Content"]


@asynccontextmanager
async def wechat_harness(
    dialogue: FakeDialogue | None = None, aes: bool = False, passive: float = 2.0, **credentials: Any
) -> AsyncIterator[Harness]:
    """A running channel and its fake API. The passive window is shorter than in production
    (tests of the slow path shrink it further, so they stay fast) but generous enough that a
    loaded CI machine still answers the fast path passively."""
    fake = FakeWeChat(APP_ID, SECRET)
    api_base = await fake.start()
    settings = WeChatSettings.from_credentials(
        {
            "token": TOKEN,
            "app_id": APP_ID,
            "app_secret": SECRET,
            "encoding_aes_key": AES_KEY if aes else "",
            "api_base": api_base,
            "passive_reply_seconds": passive,
            "followup_delay_seconds": 0.05,
            **credentials,
        },
        environ={},
    )
    channel = WeChatInput(settings)
    dialogue = dialogue or FakeDialogue()
    try:
        async with (
            serve_channel(channel, dialogue) as base,
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as http,
        ):
            yield Harness(f"{base}/webhook", fake, channel, dialogue, http, aes=aes)
    finally:
        await fake.stop()


@asynccontextmanager
async def serve_channel(channel: Any, dialogue: Any) -> AsyncIterator[str]:
    """A Rasa input channel's blueprint in a real Sanic server on a free port, mounted where Rasa
    mounts it (/webhooks/<name>); yields that base URL."""
    app = Sanic(f"{channel.name()}_test_{uuid.uuid4().hex[:8]}", configure_logging=False)
    app.blueprint(channel.blueprint(dialogue), url_prefix=f"/webhooks/{channel.url_prefix()}")
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}/webhooks/{channel.url_prefix()}"
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()


# ---- mini-program -----------------------------------------------------------------------------

MP_APP_ID = "wxminiprogram00test"
MP_SECRET = "mp-test-secret"


@dataclass
class MiniProgramHarness:
    base: str
    fake: FakeWeChat
    channel: MiniProgramInput
    dialogue: FakeDialogue
    http: aiohttp.ClientSession

    async def post(
        self, path: str, body: Any = None, raw: bytes | str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        """POSTs JSON (or `raw` bytes); returns the status and the JSON answer (text if not JSON)."""
        if raw is not None:
            data = raw.encode("utf-8") if isinstance(raw, str) else raw
        else:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json", **(headers or {})}
        async with self.http.post(f"{self.base}{path}", data=data, headers=headers) as response:
            text = await response.text()
            try:
                return response.status, json.loads(text)
            except ValueError:
                return response.status, text

    async def login(self, code: str = "alice.1") -> tuple[int, Any]:
        return await self.post("/login", {"code": code})

    async def token(self, code: str = "alice.1") -> str:
        status, answer = await self.login(code)
        assert status == 200, answer
        return answer["token"]

    async def send(
        self,
        token: str | None,
        message: Any = None,
        raw: bytes | str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        auth = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return await self.post(
            "/webhook", {"message": message} if raw is None else None, raw=raw, headers={**auth, **(headers or {})}
        )


@asynccontextmanager
async def miniprogram_harness(
    dialogue: FakeDialogue | None = None, **credentials: Any
) -> AsyncIterator[MiniProgramHarness]:
    """The mini-program channel in a real Sanic server, logging in against the fake WeChat API."""
    fake = FakeWeChat(mp_app_id=MP_APP_ID, mp_app_secret=MP_SECRET)
    api_base = await fake.start()
    settings = MiniProgramSettings.from_credentials(
        {"app_id": MP_APP_ID, "app_secret": MP_SECRET, "api_base": api_base, **credentials}, environ={}
    )
    channel = MiniProgramInput(settings)
    dialogue = dialogue or FakeDialogue()
    try:
        async with (
            serve_channel(channel, dialogue) as base,
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as http,
        ):
            yield MiniProgramHarness(base, fake, channel, dialogue, http)
    finally:
        await fake.stop()
