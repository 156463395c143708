"""`make run`: every server of the assistant under one process manager (honcho).

honcho gives prefixed, coloured logs and stops every process on Ctrl-C or when one dies —
the Procfile workflow operators know — without a daemon or a config format of our own.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import threading
import time

from honcho.manager import Manager

from bot.ops.model_cache import ensure_model, rasa_env
from bot.ops.processes import (
    action_server_cmd,
    console_cmd,
    is_healthy,
    kb_import_cmd,
    port_in_use,
    portal_cmd,
    rasa_server_cmd,
    write_endpoints,
)
from bot.settings import settings

READY_TIMEOUT_S = 180


def _health_urls() -> dict[str, str]:
    return {
        "Rasa 服务": f"http://localhost:{settings.rasa_port}/status",
        "动作服务": f"http://localhost:{settings.action_port}/health",
        "控制台": f"http://localhost:{settings.console_port}/health",
        "一网通办沙箱": f"http://localhost:{settings.portal_port}/health",
    }


def _busy_ports() -> list[str]:
    wanted = {
        "Rasa 服务 (BANSHI_RASA_PORT)": settings.rasa_port,
        "动作服务 (BANSHI_ACTION_PORT)": settings.action_port,
        "控制台 (BANSHI_CONSOLE_PORT)": settings.console_port,
        "一网通办沙箱 (BANSHI_PORTAL_PORT)": settings.portal_port,
    }
    return [f"  {name}: 端口 {port}" for name, port in wanted.items() if port_in_use(port)]


def _announce_when_ready() -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    pending = dict(_health_urls())
    while pending and time.monotonic() < deadline:
        for name, url in list(pending.items()):
            if is_healthy(url):
                pending.pop(name)
        time.sleep(1)
    if pending:
        print(f"\n!! 以下服务 {READY_TIMEOUT_S} 秒内未就绪：{', '.join(pending)}，请查看上面的日志。", flush=True)
        return
    print(
        "\n========================================================\n"
        f"  banshi 已启动。网页聊天：http://localhost:{settings.console_port}/\n"
        f"  Rasa HTTP API：  http://localhost:{settings.rasa_port}  (REST: /webhooks/rest/webhook)\n"
        f"  动作服务：       http://localhost:{settings.action_port}/health\n"
        f"  一网通办沙箱：   http://localhost:{settings.portal_port}/openapi.json\n"
        "  按 Ctrl-C 停止全部服务。\n"
        "========================================================\n",
        flush=True,
    )


def main() -> int:
    busy = _busy_ports()
    if busy:
        print("无法启动：以下端口已被占用（可能 banshi 已在运行，或被其他程序使用）：", file=sys.stderr)
        print("\n".join(busy), file=sys.stderr)
        print("请先停止占用端口的程序，或用对应的环境变量换一个端口。", file=sys.stderr)
        return 1
    model = ensure_model()
    root = settings.project_root
    print(f"==> 知识库：检查 {settings.knowledge_dir} 是否有更新（首次导入约需一两分钟）", flush=True)
    imported = subprocess.run(kb_import_cmd(settings.knowledge_dir), cwd=root, env=rasa_env(root))
    if imported.returncode != 0:
        print("!! 知识库导入失败（见上方信息）；助手照常启动，政策问题会提示稍后再问。", file=sys.stderr, flush=True)
    db_dir = root / "data" / "db"
    db_dir.mkdir(parents=True, exist_ok=True)
    endpoints = write_endpoints(db_dir / "endpoints.run.yml", settings.action_port, db_dir / "tracker.db")
    env = rasa_env(root)
    manager = Manager()
    manager.add_process("rasa", _shell(rasa_server_cmd(model, endpoints, settings.rasa_port)), cwd=str(root), env=env)
    manager.add_process("actions", _shell(action_server_cmd(settings.action_port)), cwd=str(root), env=env)
    manager.add_process("console", _shell(console_cmd(settings.console_port)), cwd=str(root), env=env)
    manager.add_process("portal", _shell(portal_cmd(settings.portal_port)), cwd=str(root), env=env)
    threading.Thread(target=_announce_when_ready, daemon=True).start()
    manager.loop()
    return manager.returncode or 0


def _shell(cmd: list[str]) -> str:
    return " ".join(shlex.quote(part) for part in cmd)


if __name__ == "__main__":
    os.chdir(settings.project_root)
    sys.exit(main())
