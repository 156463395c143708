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
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

from bot.ops.processes import stop_processes
from tests.support import web_chat
from tests.support.official_account import OfficialAccount
from tests.support.staff import new_staff

from measure import print_summary, start_stack

TICKET = re.compile(r"RG\d{12}")
WIDTH = 50


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
        stack = start_stack(work, processes)
        agent = new_staff(stack, "agent")
        web_agent, web_bot = web_path(stack, agent, args.n)
        wechat_agent, wechat_bot = wechat_path(stack, agent, args.n)
        print(f"agent's send → citizen's screen, {args.n} messages per path (run {uuid.uuid4().hex[:6]})")
        a = print_summary("web widget (socket.io): agent's reply", web_agent, WIDTH)
        b = print_summary("web widget (socket.io): bot's greeting (baseline)", web_bot, WIDTH)
        c = print_summary("WeChat (customer-service API): agent's reply", wechat_agent, WIDTH)
        d = print_summary("WeChat (passive reply): bot's greeting (baseline)", wechat_bot, WIDTH)
        print(f"ratio agent/bot at p50: web {a / b:.2f}, WeChat {c / d:.2f}")
        return 0
    finally:
        stop_processes(processes, timeout_s=30)


if __name__ == "__main__":
    sys.exit(main())
