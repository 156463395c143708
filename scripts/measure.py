"""What the benchmarks share: a whole stack of their own, a timed HTTP post and one way to
summarise latencies.

Imported by its siblings as `measure` (the scripts run as files, so `scripts/` is on the path).
Figures are medians and nearest-rank percentiles: the machines are shared and noisy, so a
benchmark reports ratios against a baseline measured in the same run rather than absolute targets.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from types import SimpleNamespace

from bot.ops.action_balancer import balancer_cmd
from bot.ops.model_cache import model_path, rasa_env
from bot.ops.processes import (
    action_ready_url,
    action_server_cmd,
    console_cmd,
    free_port,
    kb_import_cmd,
    object_store_env,
    portal_cmd,
    rasa_health_url,
    rasa_server_cmd,
    wait_healthy,
    write_endpoints,
)
from bot.ops.scaled import ScaledProfile

ROOT = Path(__file__).resolve().parents[1]
WECHAT = {
    "BANSHI_WECHAT_TOKEN": "bench-wechat-token",
    "BANSHI_WECHAT_APPID": "wxbench000official",
    "BANSHI_WECHAT_SECRET": "bench-wechat-secret",
}
"""The official account of a benchmark's stack: its channel and its fake WeChat API are started
with them, and the benchmark signs its pushes with the token."""
KB_DB_URL = f"sqlite:///{ROOT / 'data' / 'db' / 'test-kb.db'}"
"""The demo knowledge base the end-to-end tests keep between runs (the import is idempotent)."""


def start_stack(
    work: Path,
    processes: list[subprocess.Popen],
    knowledge: bool = False,
    extra_env: dict[str, str] | None = None,
    scaled: ScaledProfile | None = None,
) -> SimpleNamespace:
    """Every server a citizen's message passes through (fake WeChat API, portal, action server,
    Rasa, console) on free ports with databases in `work`, so a running `make run` is never
    disturbed; `processes` collects them even if one fails to start. Service hours "every day",
    so 转人工 always waits for an agent. `knowledge`: with the demo knowledge base imported, so
    policy questions are answered from it as under `make run`. `extra_env`: more settings for
    every process (the load benchmark's profile folder). `scaled`: Rasa on several workers with
    the trackers in that PostgreSQL database and the locks under a Redis prefix of its own."""
    model = model_path(ROOT)
    if not model.exists():
        sys.exit(f"no model at {model}: run `make train` first")
    ports = {name: free_port() for name in ("rasa", "actions", "console", "portal", "wechat")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    origins = f"{urls['console']},http://localhost:{ports['console']}"
    env = rasa_env(ROOT) | {
        "BANSHI_DB_URL": f"sqlite:///{work / 'banshi.db'}",
        "BANSHI_PORTAL_URL": urls["portal"],
        "BANSHI_PORTAL_DB_URL": f"sqlite:///{work / 'portal.db'}",
        "BANSHI_PORTAL_DEV": "1",
        "BANSHI_PORTAL_TICK_SECONDS": "0",
        "BANSHI_RASA_URL": urls["rasa"],
        "BANSHI_WIDGET_ORIGINS": origins,
        "BANSHI_WECHAT_API_BASE": urls["wechat"],
        "BANSHI_HUMAN_HOURS": "每天 0:00—24:00",
        "BANSHI_NOTICE_WEBHOOK_URL": "off",
        **WECHAT,
        **object_store_env(work),
        **(extra_env or {}),
    }
    if knowledge:
        env["BANSHI_KB_DB_URL"] = KB_DB_URL
        subprocess.run(kb_import_cmd(ROOT / "knowledge"), cwd=ROOT, env=env, check=True, capture_output=True)
    if scaled:
        scaled.prepare()
        env |= scaled.rasa_env()
        lock = scaled.lock_store_url(f"bench{uuid.uuid4().hex[:8]}")
        endpoints = write_endpoints(work / "endpoints.yml", ports["actions"], scaled.tracker_db_url, ROOT, lock)
    else:
        endpoints = write_endpoints(work / "endpoints.yml", ports["actions"], work / "tracker.db", ROOT)
    fake_wechat = [
        *(str(ROOT / ".venv-rasa" / "bin" / "python"), "-m", "tests.support.fake_wechat"),
        *("--port", str(ports["wechat"]), "--appid", WECHAT["BANSHI_WECHAT_APPID"]),
        *("--secret", WECHAT["BANSHI_WECHAT_SECRET"]),
    ]
    actions = {"actions": ports["actions"]}
    if scaled and scaled.action_servers > 1:
        actions = {f"actions {i + 1}": free_port() for i in range(scaled.action_servers)}
    specs = {
        "fake wechat": (fake_wechat, f"{urls['wechat']}/_health"),
        "portal": (portal_cmd(ports["portal"]), f"{urls['portal']}/health"),
        **{name: (action_server_cmd(port), action_ready_url(port)) for name, port in actions.items()},
    }
    if len(actions) > 1:
        balancer = balancer_cmd(ports["actions"], list(actions.values()), work / "action-balancer")
        specs["action balancer"] = (balancer, action_ready_url(ports["actions"]))
    specs |= {
        "rasa": (
            rasa_server_cmd(model, endpoints, ports["rasa"], ROOT, origins=tuple(origins.split(","))),
            rasa_health_url(ports["rasa"]),
        ),
        "console": (console_cmd(ports["console"]), f"{urls['console']}/health"),
    }
    for i, (cmd, health) in enumerate(specs.values()):
        processes.append(start_server(cmd, health, env, work / f"p{i}.log"))
    return SimpleNamespace(
        env=env,
        specs=specs,
        rasa_url=urls["rasa"],
        action_url=urls["actions"],
        action_servers={name: f"http://127.0.0.1:{port}" for name, port in actions.items() if len(actions) > 1},
        console_url=urls["console"],
        portal_url=urls["portal"],
        wechat_api_url=urls["wechat"],
        db_url=env["BANSHI_DB_URL"],
        wechat=WECHAT,
    )


def start_server(cmd: list[str], health: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    """One server of a stack, returned once its health URL answers (or failing with its log);
    the fault benchmark starts a killed server again with it, as an orchestrator would."""
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("a"), stderr=subprocess.STDOUT)
    wait_healthy(health, process, log)
    return process


def timed_post(url: str, body: bytes | dict, content_type: str = "application/json") -> tuple[float, bytes]:
    """Seconds the request took and the raw answer; a dict is sent as JSON."""
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    request = urllib.request.Request(url, data=data, headers={"Content-Type": content_type})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        payload = response.read()
    return time.perf_counter() - start, payload


def percentiles(seconds: list[float]) -> dict[str, float]:
    """p50, p95 and p99 in milliseconds (the tails by the nearest rank), and the count."""
    ordered = sorted(seconds)

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000

    return {"p50_ms": statistics.median(ordered) * 1000, "p95_ms": rank(0.95), "p99_ms": rank(0.99), "n": len(ordered)}


def print_summary(name: str, seconds: list[float], width: int = 34) -> float:
    """Prints one line of p50/p95 and returns the median in seconds (for ratios)."""
    figures = percentiles(seconds)
    print(f"{name:{width}s} n={figures['n']:3d}  p50 {figures['p50_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f} ms")
    return figures["p50_ms"] / 1000
