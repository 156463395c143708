"""Several action servers behind one endpoint (the scaled profile, issue 17): Rasa takes one
action endpoint, so Debian's nginx — the gateway's — spreads the calls over the action servers
and skips one that is gone. With one action server, killing it left every turn that needed a
custom action without an answer until it was started again and had loaded its model
(scripts/bench_faults.py); with two, the other answers.
"""

from __future__ import annotations

from pathlib import Path

from bot.ops.gateway import nginx_executable
from bot.settings import settings

TEMPLATE = settings.project_root / "deploy" / "action-balancer.conf.template"
FAIL_TIMEOUT_S = 30
"""How long a server that refused a call is left out before it is tried again: long enough for
a restarted one to load its model (nginx cannot ask `/ready` itself), else its first questions
wait for the loading (bench_faults.py: 6–10 s policy answers with 5 s)."""


def render(port: int, servers: list[int], run_dir: Path) -> str:
    lines = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout={FAIL_TIMEOUT_S}s;" for p in servers)
    return TEMPLATE.read_text(encoding="utf-8").format(port=port, servers=lines, run_dir=run_dir)


def balancer_cmd(port: int, servers: list[int], run_dir: Path) -> list[str]:
    """Writes the configuration into `run_dir` and returns the command that runs nginx on it."""
    run_dir.mkdir(parents=True, exist_ok=True)
    conf = run_dir / "action-balancer.conf"
    conf.write_text(render(port, servers, run_dir), encoding="utf-8")
    return [nginx_executable(), "-e", "stderr", "-p", str(run_dir), "-c", str(conf)]
