"""The shared secrets are made once, kept private and never a published default; the gateway's
configuration is one nginx accepts."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest

from bot.ops.gateway import GatewayConfig, gateway_cmd, render
from bot.settings import secret


def test_a_secret_is_made_once_private_and_random(tmp_path, monkeypatch):
    monkeypatch.delenv("BANSHI_ACTION_SECRET", raising=False)
    first = secret("action_secret", tmp_path)
    assert len(first) >= 40 and secret("action_secret", tmp_path) == first
    path = tmp_path / "data" / "secrets" / "action_secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret("action_secret", tmp_path / "other") != first
    monkeypatch.setenv("BANSHI_ACTION_SECRET", "from-the-environment")
    assert secret("action_secret", tmp_path) == "from-the-environment"


def test_the_gateway_routes_only_the_public_paths(tmp_path):
    text = render(GatewayConfig("0.0.0.0", 8080, 5005, 8002, tmp_path))
    assert "location ^~ /socket.io/" in text and "location = /webhooks/wechat/webhook" in text
    assert "proxy_pass http://rasa;" in text and text.count("proxy_pass http://rasa;") == 4
    assert "location = /webhooks/socketio/upload" in text and "client_max_body_size 91m;" in text
    assert "5055" not in text and "8001" not in text  # never the action server or the portal


@pytest.mark.skipif(not Path("/usr/sbin/nginx").exists(), reason="no nginx")
def test_nginx_accepts_the_rendered_configuration(tmp_path):
    cmd = gateway_cmd(GatewayConfig("127.0.0.1", 18080, 5005, 8002, tmp_path))
    checked = subprocess.run([*cmd[:-2], "-t", "-c", cmd[-1]], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
