"""What a stranger on the network can reach, tried against the real processes and the real
gateway (nginx). Each test is one finding of the security review; each fails on the stack as
it was (open Rasa API, open action server, servers on 0.0.0.0, no gateway)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import jwt
import pytest
import socketio
import yaml

from bot.ops.gateway import GatewayConfig, gateway_cmd
from bot.ops.processes import SECRET_HEADER, free_port, wait_healthy
from bot.settings import secret
from tests.support import web_chat

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


def test_rasa_refuses_large_bodies_even_on_loopback(stack):
    answer = httpx.post(f"{stack.rasa_url}/webhooks/rest/webhook", content=b"x" * 2_000_000, timeout=30)
    assert answer.status_code == 413


def test_no_process_shows_a_secret_on_its_command_line(stack):
    """`ps` shows every process's arguments to every account on the machine."""
    secrets = [secret(name, ROOT) for name in ("rasa_token", "action_secret", "web_session_key")]
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            arguments = cmdline.read_bytes().decode(errors="replace")
        except OSError:
            continue  # the process ended meanwhile
        assert not any(value in arguments for value in secrets), cmdline.parent.name


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


def test_socket_io_admits_only_sessions_the_console_issued(stack):
    for token in (None, "", "not-a-token", jwt.encode({"sub": "web:mine", "exp": 4102444800}, "guessed-key")):
        with pytest.raises(socketio.exceptions.ConnectionError):
            web_chat.connect(stack.rasa_url, token)


def test_socket_io_refuses_a_browser_on_a_foreign_page(stack):
    token = web_chat.new_session(stack.console_url)
    with pytest.raises(socketio.exceptions.ConnectionError):
        web_chat.connect(stack.rasa_url, token, origin="https://evil.example")
    web_chat.connect(stack.rasa_url, token, origin=stack.console_url).disconnect()


def test_nobody_chooses_whose_conversation_they_are_in(stack, sender):
    """Another browser's session id, or a WeChat / mini-program openid, asked for over socket.io,
    is ignored: the sender is the token's subject, and the victim's tracker is untouched."""
    stack.say("你好", sender)
    victims = (sender, "oWECHAT0PENID0000000000000", "mp:oMINI0PENID00000000000")
    before = {victim: len(stack.tracker(victim)["events"]) for victim in victims}
    with web_chat.connect(stack.rasa_url, web_chat.new_session(stack.console_url)) as client:
        for victim in victims:
            assert web_chat.session_id(client, asked=victim) != victim
            client.emit("user_uttered", {"message": "我的申请到哪一步了", "session_id": victim})
            web_chat.replies(client)
    assert {victim: len(stack.tracker(victim)["events"]) for victim in victims} == before


def test_the_console_gives_session_tokens_only_to_the_widget_pages(stack):
    mine = httpx.post(stack.console_url + "/chat/session", headers={"Origin": stack.console_url}, timeout=10)
    assert mine.headers.get("access-control-allow-origin") == stack.console_url
    assert mine.headers.get("cache-control") == "no-store"
    foreign = httpx.post(stack.console_url + "/chat/session", headers={"Origin": "https://evil.example"}, timeout=10)
    assert "access-control-allow-origin" not in foreign.headers
    assert mine.json()["token"] != foreign.json()["token"]


def test_the_production_channels_leave_out_rest():
    production = yaml.safe_load((ROOT / "credentials.production.yml").read_text(encoding="utf-8"))
    development = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8"))
    assert "rest" not in production and "rest" in development
    wechat = "channels.wechat.WeChatInput"
    assert production[wechat].pop("safe_mode") == "required"
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
    with web_chat.connect(url, web_chat.new_session(url)) as client:
        assert web_chat.session_id(client).startswith("web:")
        client.emit("user_uttered", {"message": "你好"})
        assert web_chat.replies(client)[0].get("text")


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
        ("POST", "/hooks/notice-optins"),
    ],
)
def test_the_gateway_exposes_nothing_of_rasa_the_actions_or_the_portal(gateway, method, path):
    url, _ = gateway
    token = {"token": secret("rasa_token", ROOT)}  # even with the token: the route is not there
    answer = httpx.request(method, url + path, params=token, json={"sender": "x", "message": "你好"}, timeout=10)
    assert answer.status_code == 404, (path, answer.status_code, answer.text[:200])


def _streamed(total: int, chunk: int = 1 << 20):
    """A body of `total` bytes sent as it is made: 100 MB never sits in the test's memory."""
    sent = 0
    while sent < total:
        piece = min(chunk, total - sent)
        sent += piece
        yield b"x" * piece


@pytest.mark.parametrize("size", [1_000_000, 100_000_000], ids=["1MB", "100MB"])
@pytest.mark.parametrize("path", ["/webhooks/wechat/webhook", "/webhooks/miniprogram/webhook", "/socket.io/?EIO=4"])
def test_the_gateway_refuses_large_bodies(gateway, path, size):
    url, _ = gateway
    try:
        answer = httpx.post(url + path, content=_streamed(size), timeout=60)
    except httpx.TransportError:
        return  # nginx answered 413 and closed the connection while the body was still coming
    assert answer.status_code == 413, answer.status_code


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
    assert forged.headers.get("x-content-type-options") == "nosniff"
    policy = forged.headers.get("content-security-policy", "")
    for rule in ("default-src 'none'", "script-src 'self'", "frame-ancestors 'self'", "base-uri 'none'"):
        assert rule in policy, policy
    assert "ws://localhost:" + stack.rasa_url.rsplit(":", 1)[1] in policy, "the widget may reach Rasa's socket.io"
