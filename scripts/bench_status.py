"""Benchmark: a status check through the chat (REST webhook → Rasa → action server → portal).

Starts the sandbox portal (dev mode, simulator frozen), the action server and the Rasa server
(current model) as processes on free ports with temporary databases — or uses a running stack
given by --rasa-url and --portal-url (its portal must run with BANSHI_PORTAL_DEV=1). Binds the
demo citizen 马志强 through the chat once, then sends, one after another, a status check by
application number, a 我的办件 check, and a greeting as the baseline (a custom action without
the portal), and prints p50/p95 of each. Target: status check p50 ≤ 300 ms with the portal local.

    .venv-actions/bin/python scripts/bench_status.py [--n 40]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.ops.model_cache import model_path, rasa_env
from bot.ops.processes import (
    action_ready_url,
    action_server_cmd,
    free_port,
    kb_import_cmd,
    object_store_env,
    portal_cmd,
    rasa_health_url,
    rasa_server_cmd,
    stop_processes,
    wait_healthy,
    write_endpoints,
)
from bot.settings import secret
from tests.support.portal_limits import RELAXED
from tests.support.seasons import ROUNDS, open_round

from measure import print_summary, timed_post

ROOT = Path(__file__).resolve().parents[1]

PERSON, PERSON_ID = "马志强", "990103196603020774"
TARGET_P50_MS = 300


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


class Chat:
    def __init__(self, rasa_url: str) -> None:
        self.rasa_url = rasa_url

    def say(self, sender: str, text: str) -> tuple[float, str]:
        seconds, body = timed_post(f"{self.rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": text})
        messages = json.loads(body or b"[]")
        return seconds, "\n".join(m.get("text") or "" for m in messages)

    def slot(self, sender: str, name: str):
        token = secret("rasa_token", ROOT)
        return _get(f"{self.rasa_url}/conversations/{sender}/tracker?token={token}")["slots"].get(name)


def bind(chat: Chat, portal_url: str, sender: str) -> str:
    """马志强 through the identity form; returns his application number from the answer."""
    for text in ("我的办件到哪一步了", "同意", PERSON, PERSON_ID):
        chat.say(sender, text)
    binding_id = chat.slot(sender, "binding_id")
    if not binding_id:
        sys.exit("binding did not start: is the portal reachable from the action server?")
    code = _get(f"{portal_url}/dev/sms/{binding_id}")["code"]
    _seconds, answer = chat.say(sender, code)
    found = re.search(r"BS\d{14}", answer)
    if "身份核验成功" not in answer or not found:
        sys.exit(f"binding failed, the assistant said:\n{answer}")
    return found.group(0)


def measure(chat: Chat, portal_url: str, n: int) -> int:
    sender = f"bench-{uuid.uuid4().hex[:8]}"
    number = bind(chat, portal_url, sender)
    for _ in range(3):  # warm-up: first parses and first portal calls are slow
        chat.say(sender, f"查一下{number}的进度")
        chat.say(f"{sender}-base", "你好")
    by_number, mine, greeting = [], [], []
    for _ in range(n):
        seconds, answer = chat.say(sender, f"查一下{number}的进度")
        if "各部门进度" not in answer:
            sys.exit(f"unexpected status answer:\n{answer}")
        by_number.append(seconds)
        mine.append(chat.say(sender, "我的办件")[0])
        greeting.append(chat.say(f"{sender}-base", "你好")[0])
    p50 = print_summary("status check by number", by_number)
    print_summary("status check, 我的办件", mine)
    base = print_summary("greeting (baseline, no portal)", greeting)
    print(
        f"portal's share of the status check at p50: {(p50 - base) * 1000:+.1f} ms; "
        f"target p50 ≤ {TARGET_P50_MS} ms: {'met' if p50 * 1000 <= TARGET_P50_MS else 'NOT met'}"
    )
    return 0 if p50 * 1000 <= TARGET_P50_MS else 1


KB_DB_URL = f"sqlite:///{ROOT / 'data' / 'db' / 'test-kb.db'}"
"""The demo knowledge base the end-to-end tests keep between runs (the import is idempotent)."""


def start_stack(work: Path, processes: list[subprocess.Popen], knowledge: bool = False) -> tuple[str, str]:
    """Starts portal, action server and Rasa; `processes` collects them, even if one fails.
    `knowledge`: with the demo knowledge base imported (for policy questions)."""
    model = model_path(ROOT)
    if not model.exists():
        sys.exit(f"no model at {model}: run `make train` first")
    portal_port, action_port, rasa_port = free_port(), free_port(), free_port()
    endpoints = write_endpoints(work / "endpoints.yml", action_port, work / "tracker.db", ROOT)
    portal_url = f"http://127.0.0.1:{portal_port}"
    env = rasa_env(ROOT) | {
        "BANSHI_DB_URL": f"sqlite:///{work / 'banshi.db'}",
        "BANSHI_PORTAL_URL": portal_url,
        "BANSHI_PORTAL_DB_URL": f"sqlite:///{work / 'portal.db'}",
        "BANSHI_PORTAL_DEV": "1",
        "BANSHI_PORTAL_TICK_SECONDS": "0",
        **object_store_env(work),
        **RELAXED,
        # the benchmarks apply in season (入学报名 is taken in May and June only)
        ROUNDS: os.environ.get(ROUNDS) or open_round(),
    }
    if knowledge:
        env["BANSHI_KB_DB_URL"] = KB_DB_URL
        subprocess.run(kb_import_cmd(ROOT / "knowledge"), cwd=ROOT, env=env, check=True, capture_output=True)
    specs = [
        (portal_cmd(portal_port), f"{portal_url}/health"),
        (action_server_cmd(action_port), action_ready_url(action_port)),
        (rasa_server_cmd(model, endpoints, rasa_port, ROOT), rasa_health_url(rasa_port)),
    ]
    for i, (cmd, health) in enumerate(specs):
        log = work / f"p{i}.log"
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        processes.append(process)
        wait_healthy(health, process, log)
    return f"http://127.0.0.1:{rasa_port}", portal_url


@contextmanager
def running_stack(prefix: str, knowledge: bool = False) -> Iterator[tuple[str, str, Path]]:
    """Rasa URL, portal URL and the work folder (its services database is `banshi.db`) of a
    stack started for the benchmark and stopped after it."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    processes: list[subprocess.Popen] = []
    try:
        rasa_url, portal_url = start_stack(work, processes, knowledge)
        yield rasa_url, portal_url, work
    finally:
        stop_processes(processes, timeout_s=30)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--rasa-url", help="use a running Rasa server instead of starting one")
    parser.add_argument("--portal-url", help="its portal (BANSHI_PORTAL_DEV=1), with --rasa-url")
    args = parser.parse_args()
    if args.rasa_url:
        if not args.portal_url:
            parser.error("--rasa-url needs --portal-url")
        return measure(Chat(args.rasa_url.rstrip("/")), args.portal_url.rstrip("/"), args.n)
    with running_stack("bench-status-") as (rasa_url, portal_url, _work):
        return measure(Chat(rasa_url), portal_url, args.n)


if __name__ == "__main__":
    sys.exit(main())
