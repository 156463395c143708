"""Benchmark: a WeChat text message through the real Rasa server, passive reply latency.

Starts the action server and the Rasa server (current model) as processes with a temporary
credentials file, sends signed text messages to /webhooks/wechat/webhook one after another,
and prints p50/p95 against a baseline: the same texts over the REST channel, in the same run.
Target: WeChat passive reply p50 ≤ 1 s (WeChat allows 5 s).

    .venv-rasa/bin/python scripts/bench_wechat.py [--n 40]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from wechatpy.utils import WeChatSigner

from bot.ops.model_cache import model_path, rasa_env
from bot.ops.processes import (
    action_ready_url,
    action_server_cmd,
    free_port,
    rasa_health_url,
    rasa_server_cmd,
    stop_processes,
    wait_healthy,
    write_endpoints,
)

from measure import print_summary, timed_post

ROOT = Path(__file__).resolve().parents[1]

TOKEN = "bench-token"
TEXTS = [
    "孩子出生了要办什么",
    "公司不想干了",
    "你好",
    "我想开个小饭馆",
    "我下个月退休要办哪些手续",
    "社保卡丢了想补办",
    "谢谢",
    "转人工",
    "今天天气怎么样",
    "想給公司做信用修復",
]


def _wechat_url(base: str) -> str:
    timestamp, nonce = str(int(time.time())), "bench"
    signer = WeChatSigner()
    signer.add_data(TOKEN, timestamp, nonce)
    return f"{base}/webhooks/wechat/webhook?signature={signer.signature}&timestamp={timestamp}&nonce={nonce}"


def _xml(text: str, msg_id: int, openid: str) -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    ).encode()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=40)
    args = parser.parse_args()
    model = model_path(ROOT)
    if not model.exists():
        sys.exit(f"no model at {model}: run `make train` first")
    work = Path(tempfile.mkdtemp(prefix="bench-wechat-"))
    action_port, rasa_port, api_port = free_port(), free_port(), free_port()
    credentials = work / "credentials.yml"
    credentials.write_text(
        "rest:\nchannels.wechat.WeChatInput:\n"
        f"  token: {TOKEN}\n  app_id: wxbench0000000000\n  app_secret: bench-secret\n"
        f'  encoding_aes_key: ""\n  api_base: http://127.0.0.1:{api_port}\n',
        encoding="utf-8",
    )
    endpoints = write_endpoints(work / "endpoints.yml", action_port, work / "tracker.db", ROOT)
    env = rasa_env(ROOT) | {"BANSHI_DB_URL": f"sqlite:///{work / 'banshi.db'}"}
    actions_python = str(ROOT / ".venv-actions" / "bin" / "python")
    specs = [
        ([actions_python, *action_server_cmd(action_port)[1:]], action_ready_url(action_port)),
        (rasa_server_cmd(model, endpoints, rasa_port, ROOT, credentials), rasa_health_url(rasa_port)),
    ]
    processes = []
    try:
        for i, (cmd, health) in enumerate(specs):
            log = work / f"p{i}.log"
            process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
            processes.append(process)
            wait_healthy(health, process, log)
        base = f"http://127.0.0.1:{rasa_port}"
        # warm-up: the first parse of each process is slow (TF graph, jieba dictionary)
        for text in TEXTS[:3]:
            timed_post(f"{base}/webhooks/rest/webhook", {"sender": "warm", "message": text})
        rest, wechat, passive = [], [], 0
        for i in range(args.n):
            text = TEXTS[i % len(TEXTS)]
            seconds, _ = timed_post(f"{base}/webhooks/rest/webhook", {"sender": f"rest-{i % 5}", "message": text})
            rest.append(seconds)
            seconds, body = timed_post(_wechat_url(base), _xml(text, 10_000 + i, f"oBench{i % 5:022d}"), "text/xml")
            wechat.append(seconds)
            passive += body.strip() not in (b"", b"success")
        print(
            f"machine-independent figure: ratio WeChat/REST p50 = "
            f"{print_summary('WeChat passive reply', wechat, 28) / print_summary('REST channel (baseline)', rest, 28):.2f}"
        )
        print(f"passive replies: {passive}/{args.n} (the rest went through the customer-service API)")
    finally:
        stop_processes(processes, timeout_s=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
