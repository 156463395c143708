"""What a stranger on the network can reach, tried against the real processes and the real
gateway (nginx). Each test is one finding of the security review; each fails on the stack as
it was (open Rasa API, open action server, servers on 0.0.0.0, no gateway)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import pytest
import socketio
import yaml

from bot.ops.gateway import GatewayConfig, gateway_cmd
from bot.ops.processes import SECRET_HEADER, free_port, wait_healthy
from bot.settings import secret

ROOT = Path(__file__).resolve().parents[2]
NGINX = Path("/usr/sbin/nginx")


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on `port`, from /proc/net/tcp{,6}."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


LOOPBACK = {"0100007F", "00000000000000000000000001000000"}


def test_every_server_listens_on_loopback_only(stack):
    for url in (stack.rasa_url, stack.action_url, stack.console_url, stack.portal_url):
        port = int(url.rsplit(":", 1)[1])
        addresses = _listening_addresses(port)
        assert addresses and addresses <= LOOPBACK, f"{url} listens on {addresses}"


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/status"),
        ("GET", "/conversations/someone-else/tracker"),
        ("POST", "/conversations/someone-else/tracker/events"),
        ("POST", "/conversations/someone-else/trigger_intent"),
        ("POST", "/conversations/someone-else/execute"),
        ("PUT", "/model"),
        ("POST", "/model/parse"),
    ],
)
def test_rasa_api_answers_nobody_without_the_token(stack, method, path):
    answer = httpx.request(method, stack.rasa_url + path, json={}, timeout=30)
    assert answer.status_code == 401, (path, answer.status_code, answer.text[:200])


def test_rasa_api_answers_with_the_token(stack, sender):
    stack.say("你好", sender)
    assert stack.tracker(sender)["sender_id"] == sender
    wrong = httpx.get(f"{stack.rasa_url}/conversations/{sender}/tracker", params={"token": "guess"}, timeout=30)
    assert wrong.status_code == 401


def test_action_server_refuses_a_call_without_the_shared_secret(stack, sender):
    call = {
        "next_action": "action_check_status",
        "sender_id": sender,
        "tracker": {"sender_id": sender, "slots": {}, "latest_message": {}, "events": [], "paused": False},
        "domain": {},
        "version": "3.6.21",
    }
    for headers in ({}, {SECRET_HEADER: "guess"}):
        answer = httpx.post(f"{stack.action_url}/webhook", json=call, headers=headers, timeout=30)
        assert answer.status_code == 401, answer.text[:200]
    assert httpx.get(f"{stack.action_url}/health", timeout=10).status_code == 200
    # the real Rasa server holds the secret: its calls go through (a whole turn with actions)
    assert stack.say("你好", sender)


def test_cors_admits_only_the_widget_hosts(stack):
    handshake = f"{stack.rasa_url}/socket.io/?EIO=4&transport=polling"
    allowed = httpx.get(handshake, headers={"Origin": stack.console_url}, timeout=10)
    assert allowed.headers.get("access-control-allow-origin") == stack.console_url
    foreign = httpx.get(handshake, headers={"Origin": "https://evil.example"}, timeout=10)
    assert "access-control-allow-origin" not in foreign.headers


def test_the_production_channels_leave_out_rest():
    production = yaml.safe_load((ROOT / "credentials.production.yml").read_text(encoding="utf-8"))
    development = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8"))
    assert "rest" not in production and "rest" in development
    assert production == {name: value for name, value in development.items() if name != "rest"}


@pytest.fixture(scope="module")
def gateway(stack, tmp_path_factory):
    if not NGINX.exists():
        pytest.fail("nginx is missing: scripts/setup.sh --dev installs it")
    port = free_port()
    run_dir = tmp_path_factory.mktemp("gateway")
    config = GatewayConfig(
        "127.0.0.1",
        port,
        int(stack.rasa_url.rsplit(":", 1)[1]),
        int(stack.console_url.rsplit(":", 1)[1]),
        run_dir,
        access_log=str(run_dir / "access.log"),
    )
    log = run_dir / "nginx.log"
    process = subprocess.Popen(gateway_cmd(config), stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/health", process, log, 30)
        yield f"http://127.0.0.1:{port}", run_dir
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_gateway_serves_the_pages_and_the_chat(gateway):
    url, _ = gateway
    page = httpx.get(url + "/", timeout=10)
    assert page.status_code == 200 and "widget.js" in page.text
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "server" not in page.headers or "nginx/" not in page.headers["server"]
    with socketio.SimpleClient() as client:
        client.connect(url, transports=["websocket"])
        client.emit("session_request", {"session_id": None})
        event, session_id = client.receive(timeout=30)
        assert event == "session_confirm"
        client.emit("user_uttered", {"message": "你好", "session_id": session_id})
        event, data = client.receive(timeout=60)
        assert event == "bot_uttered" and data.get("text")


@pytest.mark.parametrize(
    "method, path",
    [
        ("POST", "/webhooks/rest/webhook"),
        ("GET", "/conversations/someone-else/tracker"),
        ("GET", "/status"),
        ("PUT", "/model"),
        ("POST", "/webhook"),
        ("GET", "/openapi.json"),
        ("POST", "/identity/bindings"),
    ],
)
def test_the_gateway_exposes_nothing_of_rasa_the_actions_or_the_portal(gateway, method, path):
    url, _ = gateway
    token = {"token": secret("rasa_token", ROOT)}  # even with the token: the route is not there
    answer = httpx.request(method, url + path, params=token, json={"sender": "x", "message": "你好"}, timeout=10)
    assert answer.status_code == 404, (path, answer.status_code, answer.text[:200])


def test_the_gateway_refuses_large_bodies(gateway):
    url, _ = gateway
    answer = httpx.post(url + "/webhooks/wechat/webhook", content=b"<xml>" + b"x" * 1_000_000, timeout=30)
    assert answer.status_code == 413


def test_the_gateway_limits_a_flood_from_one_address(gateway):
    url, _ = gateway
    codes = [httpx.get(url + "/socket.io/?EIO=4&transport=polling", timeout=10).status_code for _ in range(60)]
    assert 429 in codes and codes[0] == 200


def test_the_gateway_log_keeps_no_query_string(gateway):
    url, run_dir = gateway
    httpx.post(url + "/webhooks/wechat/webhook?openid=oSECRETOPENID&signature=x", content=b"<xml/>", timeout=10)
    time.sleep(0.5)
    log = (run_dir / "access.log").read_text()
    assert "/webhooks/wechat/webhook" in log and "oSECRETOPENID" not in log


def test_the_console_names_itself_from_its_configuration_not_the_host_header(stack):
    forged = httpx.get(stack.console_url + "/", headers={"Host": "evil.example"}, timeout=10)
    assert forged.status_code == 200 and "evil.example" not in forged.text
    for header, value in (("x-content-type-options", "nosniff"), ("content-security-policy", "frame-ancestors 'self'")):
        assert forged.headers.get(header) == value
