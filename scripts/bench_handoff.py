"""How fast an agent's words reach the citizen: from the agent's send in the staff web app
(`POST /staff/api/handoffs/<id>/reply`) to the message on the citizen's screen — over the web
widget's socket.io and over WeChat (the fake WeChat API's customer-service endpoint) — p50 and
p95, against a bot reply in the same run (a greeting on each channel).

Starts its own stack (portal, action server, Rasa, console, fake WeChat API) on free ports with
temporary databases; service hours "every day", so 转人工 always waits for the agent.

    .venv-actions/bin/python scripts/bench_handoff.py [--n 30]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

from bot.ops.model_cache import model_path, rasa_env
from bot.ops.processes import (
    action_server_cmd,
    console_cmd,
    free_port,
    object_store_env,
    portal_cmd,
    rasa_health_url,
    rasa_server_cmd,
    stop_processes,
    wait_healthy,
    write_endpoints,
)
from tests.support import web_chat
from tests.support.official_account import OfficialAccount
from tests.support.staff import new_staff

ROOT = Path(__file__).resolve().parents[1]
TICKET = re.compile(r"RG\d{12}")
WECHAT = {
    "BANSHI_WECHAT_TOKEN": "bench-wechat-token",
    "BANSHI_WECHAT_APPID": "wxbench000official",
    "BANSHI_WECHAT_SECRET": "bench-wechat-secret",
}


def start(work: Path, processes: list[subprocess.Popen]) -> SimpleNamespace:
    model = model_path(ROOT)
    if not model.exists():
        sys.exit(f"no model at {model}: run `make train` first")
    ports = {name: free_port() for name in ("rasa", "actions", "console", "portal", "wechat")}
    origins = f"http://127.0.0.1:{ports['console']},http://localhost:{ports['console']}"
    env = rasa_env(ROOT) | {
        "BANSHI_DB_URL": f"sqlite:///{work / 'banshi.db'}",
        "BANSHI_PORTAL_URL": f"http://127.0.0.1:{ports['portal']}",
        "BANSHI_PORTAL_DB_URL": f"sqlite:///{work / 'portal.db'}",
        "BANSHI_PORTAL_DEV": "1",
        "BANSHI_PORTAL_TICK_SECONDS": "0",
        "BANSHI_RASA_URL": f"http://127.0.0.1:{ports['rasa']}",
        "BANSHI_WIDGET_ORIGINS": origins,
        "BANSHI_WECHAT_API_BASE": f"http://127.0.0.1:{ports['wechat']}",
        "BANSHI_HUMAN_HOURS": "每天 0:00—24:00",
        "BANSHI_NOTICE_WEBHOOK_URL": "off",
        **WECHAT,
        **object_store_env(work),
    }
    endpoints = write_endpoints(work / "endpoints.yml", ports["actions"], work / "tracker.db", ROOT)
    fake_wechat = [
        *(str(ROOT / ".venv-rasa" / "bin" / "python"), "-m", "tests.support.fake_wechat"),
        *("--port", str(ports["wechat"]), "--appid", WECHAT["BANSHI_WECHAT_APPID"]),
        *("--secret", WECHAT["BANSHI_WECHAT_SECRET"]),
    ]
    specs = [
        (fake_wechat, f"http://127.0.0.1:{ports['wechat']}/_health"),
        (portal_cmd(ports["portal"]), f"http://127.0.0.1:{ports['portal']}/health"),
        (action_server_cmd(ports["actions"]), f"http://127.0.0.1:{ports['actions']}/health"),
        (
            rasa_server_cmd(model, endpoints, ports["rasa"], ROOT, origins=tuple(origins.split(","))),
            rasa_health_url(ports["rasa"]),
        ),
        (console_cmd(ports["console"]), f"http://127.0.0.1:{ports['console']}/health"),
    ]
    for i, (cmd, health) in enumerate(specs):
        log = work / f"p{i}.log"
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        processes.append(process)
        wait_healthy(health, process, log)
    return SimpleNamespace(
        rasa_url=f"http://127.0.0.1:{ports['rasa']}",
        console_url=f"http://127.0.0.1:{ports['console']}",
        wechat_api_url=env["BANSHI_WECHAT_API_BASE"],
        db_url=env["BANSHI_DB_URL"],
        wechat=WECHAT,
    )


def summary(name: str, seconds: list[float]) -> float:
    ordered = sorted(seconds)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(f"{name:50s} n={len(ordered):3d}  p50 {p50 * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms")
    return p50


def claim(agent, ticket: str) -> int:  # noqa: ANN001
    queue = agent.call("GET", "/handoffs").json()["requests"]
    request_id = next(r["id"] for r in queue if r["ticket"] == ticket)
    assert agent.call("POST", f"/handoffs/{request_id}/claim").status_code == 200
    return request_id


def web_path(stack: SimpleNamespace, agent, n: int) -> tuple[list[float], list[float]]:  # noqa: ANN001
    agent_times, bot_times = [], []
    with web_chat.connect(stack.rasa_url, web_chat.new_session(stack.console_url)) as citizen:
        web_chat.session_id(citizen)
        citizen.emit("user_uttered", {"message": "我要转人工"})
        ticket = TICKET.search(" ".join(m.get("text") or "" for m in web_chat.replies(citizen))).group(0)
        request_id = claim(agent, ticket)
        web_chat.replies(citizen)  # "已接入"
        for i in range(n):
            text = f"您好，这是第{i + 1}条回复。"
            started = time.perf_counter()
            sent = agent.call("POST", f"/handoffs/{request_id}/reply", json={"text": text})
            assert sent.status_code == 200, sent.text
            while not (web_chat.replies(citizen)[0].get("text") or "").endswith(text):
                pass
            agent_times.append(time.perf_counter() - started)
    with web_chat.connect(stack.rasa_url, web_chat.new_session(stack.console_url)) as other:
        web_chat.session_id(other)
        for _ in range(n):
            started = time.perf_counter()
            other.emit("user_uttered", {"message": "你好"})
            web_chat.replies(other, at_least=1)
            bot_times.append(time.perf_counter() - started)
            time.sleep(0.3)
            while True:  # drain the rest of the greeting
                try:
                    other.receive(timeout=0.3)
                except Exception:  # noqa: BLE001 - socketio's TimeoutError: nothing more
                    break
    return agent_times, bot_times


def wechat_path(stack: SimpleNamespace, agent, n: int) -> tuple[list[float], list[float]]:  # noqa: ANN001
    user = OfficialAccount(stack)
    ticket = TICKET.search(user.say("转人工")).group(0)
    request_id = claim(agent, ticket)
    agent_times = []
    for i in range(n):
        text = f"您好，微信第{i + 1}条回复。"
        started = time.perf_counter()
        sent = agent.call("POST", f"/handoffs/{request_id}/reply", json={"text": text})
        assert sent.status_code == 200, sent.text
        while not any(line.endswith(text) for line in user._received()):
            assert time.perf_counter() - started < 60, f"the reply never reached WeChat: {text}"
            time.sleep(0.01)
        agent_times.append(time.perf_counter() - started)
        # the citizen answers now and then: WeChat allows five customer-service messages per user
        # message (the bot's confirmation and the join count too), and the channel takes only so
        # many messages a minute from one user
        if i % 3 == 2:
            user._push("<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[好的]]></Content>")
    bot_times = []
    other = OfficialAccount(stack)
    for _ in range(n):
        started = time.perf_counter()
        other._push("<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content>")
        bot_times.append(time.perf_counter() - started)
    return agent_times, bot_times


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=30)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-handoff-"))
    processes: list[subprocess.Popen] = []
    try:
        stack = start(work, processes)
        agent = new_staff(stack, "agent")
        web_agent, web_bot = web_path(stack, agent, args.n)
        wechat_agent, wechat_bot = wechat_path(stack, agent, args.n)
        print(f"agent's send → citizen's screen, {args.n} messages per path (run {uuid.uuid4().hex[:6]})")
        a = summary("web widget (socket.io): agent's reply", web_agent)
        b = summary("web widget (socket.io): bot's greeting (baseline)", web_bot)
        c = summary("WeChat (customer-service API): agent's reply", wechat_agent)
        d = summary("WeChat (passive reply): bot's greeting (baseline)", wechat_bot)
        print(f"ratio agent/bot at p50: web {a / b:.2f}, WeChat {c / d:.2f}")
        return 0
    finally:
        stop_processes(processes, timeout_s=30)


if __name__ == "__main__":
    sys.exit(main())
