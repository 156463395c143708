"""The gateway in a container: `python /app/deploy/docker/gateway.py` (services image).

It runs what `make run-production` runs — Debian's nginx in the foreground, with the configuration
bot/ops/gateway.py renders from deploy/nginx.conf.template — with one difference: Rasa and the
console are other containers (the `rasa` and `console` services of compose and Kubernetes), not
processes on the loopback interface, so the two upstreams name them. Everything else of the
template (what is exposed, body sizes, rate limits, the log without query strings) is unchanged;
tests/unit/test_deploy.py checks that only the upstream lines differ.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bot.ops.gateway import GatewayConfig, gateway_cmd, render
from bot.settings import settings

LISTEN_PORT = 8080
"""Inside the container; compose publishes it on BANSHI_PUBLIC_PORT, Kubernetes behind a Service."""
RUN_DIR = Path("/tmp/gateway")
"""nginx's pid and temporary files: /tmp is the container's one writable place."""
UPSTREAM_HOSTS = {"rasa": "rasa", "console": "console"}
"""Upstream name in the template → the service that answers for it."""


def container_config(config: GatewayConfig) -> str:
    """The template rendered as `make run-production` renders it, its upstreams on the services."""
    text = render(config)
    ports = {"rasa": config.rasa_port, "console": config.console_port}
    for upstream, host in UPSTREAM_HOSTS.items():
        loopback = f"upstream {upstream} {{\n        server 127.0.0.1:{ports[upstream]};"
        if text.count(loopback) != 1:
            raise SystemExit(f"deploy/nginx.conf.template: upstream {upstream} is no longer one loopback server")
        text = text.replace(loopback, f"upstream {upstream} {{\n        server {host}:{ports[upstream]};")
    return text


def main() -> None:
    config = GatewayConfig("0.0.0.0", LISTEN_PORT, settings.rasa_port, settings.console_port, RUN_DIR)
    cmd = gateway_cmd(config)  # writes the loopback configuration and names the nginx to run
    (RUN_DIR / "nginx.conf").write_text(container_config(config), encoding="utf-8")
    sys.stdout.flush()
    os.execv(cmd[0], cmd)


if __name__ == "__main__":
    main()
