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

from bot.ops.action_balancer import balancer_cmd
from bot.ops.gateway import GatewayConfig, gateway_cmd
from bot.ops.model_cache import ensure_model, rasa_env
from bot.ops.processes import (
    action_ready_url,
    action_server_cmd,
    console_cmd,
    is_healthy,
    kb_import_cmd,
    port_in_use,
    portal_cmd,
    rasa_health_url,
    rasa_server_cmd,
    write_endpoints,
)
from bot.ops.scaled import ScaledProfile, ScaledUnavailable
from bot.settings import settings

READY_TIMEOUT_S = 180


def _health_urls(production: bool) -> dict[str, str]:
    urls = {
        "Rasa 服务": rasa_health_url(settings.rasa_port),
        "动作服务": action_ready_url(settings.action_port),
        "控制台": f"http://127.0.0.1:{settings.console_port}/health",
        "一网通办沙箱": f"http://127.0.0.1:{settings.portal_port}/health",
    }
    if production:
        urls["网关"] = f"http://127.0.0.1:{settings.public_port}/health"
    return urls


def _busy_ports(production: bool) -> list[str]:
    wanted = {
        "Rasa 服务 (BANSHI_RASA_PORT)": settings.rasa_port,
        "动作服务 (BANSHI_ACTION_PORT)": settings.action_port,
        "控制台 (BANSHI_CONSOLE_PORT)": settings.console_port,
        "一网通办沙箱 (BANSHI_PORTAL_PORT)": settings.portal_port,
    }
    if production:
        wanted["网关 (BANSHI_PUBLIC_PORT)"] = settings.public_port
    return [f"  {name}: 端口 {port}" for name, port in wanted.items() if port_in_use(port)]


def _announce_when_ready(production: bool) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    pending = _health_urls(production)
    while pending and time.monotonic() < deadline:
        for name, url in list(pending.items()):
            if is_healthy(url):
                pending.pop(name)
        time.sleep(1)
    if pending:
        print(f"\n!! 以下服务 {READY_TIMEOUT_S} 秒内未就绪：{', '.join(pending)}，请查看上面的日志。", flush=True)
        return
    if production:
        lines = (
            f"  banshi 已启动（生产配置）。对外入口（网关）：{settings.public_url}/\n"
            "  其余服务只在本机回环地址监听，外部无法访问。\n"
            "  微信公众号为安全模式：未设置 BANSHI_WECHAT_AES_KEY 时，EncodingAESKey 见\n"
            "  data/secrets/wechat_aes_key，请填入公众号后台的“消息加解密密钥”。\n"
        )
    else:
        lines = (
            f"  banshi 已启动。网页聊天：http://localhost:{settings.console_port}/\n"
            f"  Rasa HTTP API：  http://localhost:{settings.rasa_port}  (令牌见 data/secrets/rasa_token)\n"
            f"  动作服务：       http://localhost:{settings.action_port}/health\n"
            f"  一网通办沙箱：   http://localhost:{settings.portal_port}/openapi.json\n"
            f"  以上服务只在 {settings.bind_host} 监听；对外提供服务请用 make run-production。\n"
        )
    print(
        "\n========================================================\n" + lines + "  按 Ctrl-C 停止全部服务。\n"
        "========================================================\n",
        flush=True,
    )


def main(production: bool = False, scaled: bool = False) -> int:
    """Starts every server; `production` adds the gateway as the only public listener, closes
    the REST channel and points the widget at the gateway; `scaled` runs Rasa on several
    workers with the trackers in PostgreSQL and the locks and channel state in Redis."""
    busy = _busy_ports(production)
    if busy:
        print("无法启动：以下端口已被占用（可能 banshi 已在运行，或被其他程序使用）：", file=sys.stderr)
        print("\n".join(busy), file=sys.stderr)
        print("请先停止占用端口的程序，或用对应的环境变量换一个端口。", file=sys.stderr)
        return 1
    # every file the servers create (databases, index generations, logs) is the owner's alone
    os.umask(0o077)
    model = ensure_model()
    root = settings.project_root
    print(f"==> 知识库：检查 {settings.knowledge_dir} 是否有更新（首次导入约需一两分钟）", flush=True)
    imported = subprocess.run(kb_import_cmd(settings.knowledge_dir), cwd=root, env=rasa_env(root))
    if imported.returncode != 0:
        print("!! 知识库导入失败（见上方信息）；助手照常启动，政策问题会提示稍后再问。", file=sys.stderr, flush=True)
    db_dir = root / "data" / "db"
    db_dir.mkdir(parents=True, exist_ok=True)
    env = rasa_env(root)
    if scaled:
        profile = ScaledProfile.from_env()
        try:
            profile.prepare()
        except ScaledUnavailable as error:
            print(f"无法以扩展配置启动：{error}", file=sys.stderr)
            return 1
        endpoints = write_endpoints(
            db_dir / "endpoints.run.yml",
            settings.action_port,
            profile.tracker_db_url,
            lock_redis_url=profile.lock_store_url(),
        )
        env |= profile.rasa_env()
        print(
            f"==> 扩展配置：Rasa {profile.workers} 个工作进程，动作服务 {profile.action_servers} 个"
            f"（端口 {settings.action_port + 1} 起，经端口 {settings.action_port} 的负载均衡），"
            "跟踪库 PostgreSQL，锁与渠道状态 Redis",
            flush=True,
        )
    else:
        endpoints = write_endpoints(db_dir / "endpoints.run.yml", settings.action_port, db_dir / "tracker.db")
    credentials = root / ("credentials.production.yml" if production else "credentials.yml")
    rasa = rasa_server_cmd(model, endpoints, settings.rasa_port, credentials=credentials)
    console = console_cmd(settings.console_port, settings.public_url if production else None)
    manager = Manager()
    manager.add_process("rasa", _shell(rasa), cwd=str(root), env=env)
    if scaled and profile.action_servers > 1:
        replicas = [settings.action_port + 1 + i for i in range(profile.action_servers)]
        for i, port in enumerate(replicas, 1):
            manager.add_process(f"actions-{i}", _shell(action_server_cmd(port)), cwd=str(root), env=env)
        balancer = balancer_cmd(settings.action_port, replicas, root / "data" / "action-balancer")
        manager.add_process("action-balancer", _shell(balancer), cwd=str(root), env=env)
    else:
        manager.add_process("actions", _shell(action_server_cmd(settings.action_port)), cwd=str(root), env=env)
    manager.add_process("console", _shell(console), cwd=str(root), env=env)
    manager.add_process("portal", _shell(portal_cmd(settings.portal_port)), cwd=str(root), env=env)
    # what is kept longer than the consent text promises is deleted at start and then daily
    retention = [sys.executable, "-m", "bot", "retention", "--every", "86400"]
    manager.add_process("retention", _shell(retention), cwd=str(root), env=env)
    if production:
        gateway = GatewayConfig(
            settings.public_host,
            settings.public_port,
            settings.rasa_port,
            settings.console_port,
            root / "data" / "gateway",
        )
        manager.add_process("gateway", _shell(gateway_cmd(gateway)), cwd=str(root), env=env)
    threading.Thread(target=_announce_when_ready, args=(production,), daemon=True).start()
    manager.loop()
    return manager.returncode or 0


def _shell(cmd: list[str]) -> str:
    return " ".join(shlex.quote(part) for part in cmd)


if __name__ == "__main__":
    os.chdir(settings.project_root)
    sys.exit(main())
