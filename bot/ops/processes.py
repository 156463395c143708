"""The commands that start each server, shared by `make run` and the end-to-end tests.

Keeping them in one place means the tests exercise exactly the processes a user runs.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bot.ops.model_cache import rasa_executable
from bot.settings import settings


def rasa_server_cmd(
    model: Path, endpoints: Path, port: int, root: Path | None = None, credentials: Path | None = None
) -> list[str]:
    root = root or settings.project_root
    return [
        str(rasa_executable(root)),
        "run",
        "--enable-api",
        "--cors",
        "*",
        "--model",
        str(model),
        "--endpoints",
        str(endpoints),
        "--credentials",
        str(credentials or root / "credentials.yml"),
        "--port",
        str(port),
    ]


def action_server_cmd(port: int) -> list[str]:
    return [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)]


def portal_cmd(port: int) -> list[str]:
    return [sys.executable, "-m", "portal", "--port", str(port)]


def kb_import_cmd(*paths: Path) -> list[str]:
    """The idempotent knowledge-base import: seconds when nothing changed, about a minute the first time."""
    return [sys.executable, "-m", "bot", "kb", "import", *(str(p) for p in paths), "--quiet"]


def console_cmd(port: int) -> list[str]:
    return [sys.executable, "-m", "console", "--port", str(port)]


def write_endpoints(path: Path, action_port: int, tracker_db: Path) -> Path:
    """An endpoints file for servers on non-default ports or with their own tracker database."""
    path.write_text(
        "action_endpoint:\n"
        f'  url: "http://localhost:{action_port}/webhook"\n'
        "tracker_store:\n"
        "  type: SQL\n"
        "  dialect: sqlite\n"
        f"  db: {tracker_db}\n"
        "lock_store:\n"
        "  type: in_memory\n",
        encoding="utf-8",
    )
    return path


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NotHealthy(RuntimeError):
    """A server did not come up; the message carries the tail of its log."""


def is_healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout_s: float = 240) -> None:
    """Waits for `url` to answer 200; fails early, with the log, if the process dies first.

    Uses only the standard library so both runtimes (and their tests) can share it.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise NotHealthy(f"{url}: process exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        if is_healthy(url):
            return
        time.sleep(1)
    raise NotHealthy(f"{url} not healthy after {timeout_s:.0f}s:\n{log.read_text()[-3000:]}")
