"""The gateway of the production profile: Debian's nginx, run in the foreground by the process
manager with a configuration rendered from `deploy/nginx.conf.template`.

Why nginx: it is the reverse proxy government IT teams run already, it proxies WebSockets
(socket.io), limits body sizes and request rates per client, and it is packaged by Debian
(no build, security updates from the distribution).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from bot.settings import settings

TEMPLATE = settings.project_root / "deploy" / "nginx.conf.template"


@dataclass(frozen=True)
class GatewayConfig:
    public_host: str
    public_port: int
    rasa_port: int
    console_port: int
    run_dir: Path
    max_body: str = "64k"
    upload_body: str = f"{settings.max_upload_bytes * 9 // (1024 * 1024) + 1}m"
    """The widget's material uploads: up to nine files of BANSHI_MAX_UPLOAD_MB in one request."""
    chat_rate: int = 5
    connections_per_address: int = 50
    """Both per client address; the load benchmark, all of whose citizens are 127.0.0.1, raises them."""
    access_log: str = "/dev/stdout"


def render(config: GatewayConfig) -> str:
    return TEMPLATE.read_text(encoding="utf-8").format(
        public_host=config.public_host,
        public_port=config.public_port,
        rasa_port=config.rasa_port,
        console_port=config.console_port,
        run_dir=config.run_dir,
        max_body=config.max_body,
        upload_body=config.upload_body,
        chat_rate=config.chat_rate,
        connections_per_address=config.connections_per_address,
        access_log=config.access_log,
    )


def nginx_executable() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        raise RuntimeError("未找到 nginx：生产配置的网关需要它（make run-production 会用 apt 安装）。")
    return found


def gateway_cmd(config: GatewayConfig) -> list[str]:
    """Writes the configuration into `run_dir` and returns the command that runs nginx on it."""
    config.run_dir.mkdir(parents=True, exist_ok=True)
    conf = config.run_dir / "nginx.conf"
    conf.write_text(render(config), encoding="utf-8")
    return [nginx_executable(), "-e", "stderr", "-p", str(config.run_dir), "-c", str(conf)]
