"""Configuration, the per-user quota window, the output channel and the fake API as a process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest
import yaml
from conftest import OPENID, ROOT, free_port, wechat_harness

import bot.settings as bot_settings
from channels.wechat import WeChatInput
from channels.wechat.rendering import Option
from channels.wechat.settings import PRODUCTION_API_BASE, WeChatConfigError, WeChatSettings
from channels.wechat.state import CS_WINDOW_SECONDS, UserMemory

ENV = {
    "BANSHI_WECHAT_TOKEN": "env-token",
    "BANSHI_WECHAT_APPID": "wxenv0000000000000",
    "BANSHI_WECHAT_SECRET": "env-secret",
    "BANSHI_WECHAT_AES_KEY": "",
    "BANSHI_WECHAT_API_BASE": "http://localhost:9999/",
}


def test_empty_credentials_fall_back_to_the_environment():
    settings = WeChatSettings.from_credentials({"token": "", "app_id": None, "app_secret": "cred-secret"}, ENV)
    assert settings.token == "env-token"
    assert settings.app_id == "wxenv0000000000000"
    assert settings.app_secret == "cred-secret"  # credentials win when given
    assert settings.api_base == "http://localhost:9999"
    assert not settings.safe_mode


def test_the_production_profile_never_runs_plain_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("BANSHI_HOME", str(tmp_path))
    monkeypatch.setattr(bot_settings, "settings", bot_settings.Settings.from_env())
    production = yaml.safe_load((ROOT / "credentials.production.yml").read_text(encoding="utf-8"))
    settings = WeChatSettings.from_credentials(production["channels.wechat.WeChatInput"], {})
    assert settings.safe_mode and len(settings.aes_key) == 43 and settings.aes_key.isalnum()
    assert (tmp_path / "data" / "secrets" / "wechat_aes_key").read_text() == settings.aes_key
    again = WeChatSettings.from_credentials(production["channels.wechat.WeChatInput"], {})
    assert again.aes_key == settings.aes_key, "one key per installation"
    given = WeChatSettings.from_credentials({"safe_mode": "required"}, {"BANSHI_WECHAT_AES_KEY": "k" * 43})
    assert given.aes_key == "k" * 43


def test_development_defaults_talk_to_the_local_fake():
    settings = WeChatSettings.from_credentials(None, {})
    assert settings.api_base == "http://127.0.0.1:8011"
    assert settings.token and settings.app_id.startswith("wx") and settings.app_secret
    assert settings.passive_reply_seconds == 4.0
    assert settings.max_body_bytes == 64 * 1024


def test_from_credentials_builds_the_channel():
    channel = WeChatInput.from_credentials(None)
    assert channel.name() == "wechat" and channel.url_prefix() == "wechat"


def test_rasa_loads_the_channel_from_a_credentials_section_with_empty_values(tmp_path, monkeypatch):
    from rasa.core.run import create_http_input_channels

    monkeypatch.setenv("BANSHI_WECHAT_TOKEN", "from-env")
    credentials = tmp_path / "credentials.yml"
    credentials.write_text(
        "rest:\n"
        "channels.wechat.WeChatInput:\n"
        '  token: ""\n  app_id: ""\n  app_secret: ""\n  encoding_aes_key: ""\n  api_base: ""\n',
        encoding="utf-8",
    )
    channels = create_http_input_channels(None, str(credentials))
    wechat = [c for c in channels if isinstance(c, WeChatInput)]
    assert len(wechat) == 1 and wechat[0].settings.token == "from-env"
    credentials.write_text("channels.wechat.WeChatInput:\n", encoding="utf-8")  # an empty section
    assert isinstance(create_http_input_channels(None, str(credentials))[0], WeChatInput)


def test_real_api_with_development_secrets_refuses_to_start():
    with pytest.raises(WeChatConfigError, match="BANSHI_WECHAT_TOKEN"):
        WeChatSettings.from_credentials({"api_base": PRODUCTION_API_BASE}, {})
    real = WeChatSettings.from_credentials(
        {"api_base": PRODUCTION_API_BASE, "token": "t0ken", "app_id": "wxabc", "app_secret": "s3cret"}, {}
    )
    assert real.api_base == PRODUCTION_API_BASE


def test_bad_aes_key_or_url_refuses_to_start():
    with pytest.raises(WeChatConfigError):
        WeChatSettings.from_credentials({"encoding_aes_key": "short"}, {})
    with pytest.raises(WeChatConfigError):
        WeChatSettings.from_credentials({"api_base": "ftp://x"}, {})
    with pytest.raises(WeChatConfigError):
        WeChatSettings.from_credentials({"passive_reply_seconds": 6}, {})


async def test_quota_window_and_allowance():
    now = [1_000_000.0]
    memory = UserMemory(clock=lambda: now[0])
    assert await memory.reserve_cs_message(OPENID) is False  # never wrote: no window
    await memory.note_user_message(OPENID)
    assert [await memory.reserve_cs_message(OPENID) for _ in range(6)] == [True] * 5 + [False]
    await memory.note_user_message(OPENID)
    assert await memory.reserve_cs_message(OPENID) is True
    now[0] += CS_WINDOW_SECONDS + 1
    assert await memory.reserve_cs_message(OPENID) is False
    await memory.note_user_message(OPENID)
    await memory.block_cs(OPENID)
    assert await memory.reserve_cs_message(OPENID) is False


async def test_options_memory():
    memory = UserMemory()
    await memory.set_options(OPENID, (Option("a", "/a"),))
    assert await memory.options(OPENID) == (Option("a", "/a"),)
    assert await memory.options("someone-else") == ()
    await memory.set_options(OPENID, ())
    assert await memory.options(OPENID) == (), "a reply without buttons clears them"


async def test_output_channel_sends_proactive_messages_with_numbered_buttons():
    async with wechat_harness() as h:
        await h.channel.memory.note_user_message(OPENID)
        output = h.channel.get_output_channel()
        buttons = [{"title": "好的", "payload": "/affirm"}]
        await output.send_response(OPENID, {"text": "人工客服回复：您好", "buttons": buttons})
        received = await h.wait_received(1)
        assert received[0]["text"]["content"] == "人工客服回复：您好\n回复数字选择：\n1. 好的"
        assert (await h.channel.memory.options(OPENID))[0].payload == "/affirm"


def test_fake_wechat_runs_as_a_process():
    port = free_port()
    env = dict(os.environ)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.fake_wechat", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"

    def call(path: str, payload=None):
        data = None if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        with urllib.request.urlopen(urllib.request.Request(base + path, data=data), timeout=5) as response:
            return json.loads(response.read())

    try:
        for _ in range(100):
            try:
                call("/_health")
                break
            except OSError:
                time.sleep(0.1)
        settings = WeChatSettings.from_credentials(None, {})
        token = call(
            "/cgi-bin/stable_token",
            {"grant_type": "client_credential", "appid": settings.app_id, "secret": settings.app_secret},
        )["access_token"]
        message = {"touser": OPENID, "msgtype": "text", "text": {"content": "你好"}}
        assert call(f"/cgi-bin/message/custom/send?access_token={token}", message)["errcode"] == 0
        assert call("/cgi-bin/message/custom/send?access_token=wrong", message)["errcode"] == 40001
        call("/_fail", {"api": "custom_send", "errcode": 45047, "times": 1})
        assert call(f"/cgi-bin/message/custom/send?access_token={token}", message)["errcode"] == 45047
        received = call("/_received")
        assert [m["text"]["content"] for m in received] == ["你好"]
        too_long = {**message, "text": {"content": "长" * 700}}
        assert call(f"/cgi-bin/message/custom/send?access_token={token}", too_long)["errcode"] == 45002
        call("/_reset", {})
        assert call("/_received") == []
    finally:
        process.terminate()
        process.wait(timeout=10)
