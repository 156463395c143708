"""The commands that start each server, shared by `make run` and the end-to-end tests.

Keeping them in one place means the tests exercise exactly the processes a user runs.
"""
from __future__ import annotations

import socket
import sys
from pathlib import Path

from bot.model_cache import rasa_executable
from bot.settings import settings


def rasa_server_cmd(model: Path, endpoints: Path, port: int, root: Path | None = None) -> list[str]:
    root = root or settings.project_root
    return [
        str(rasa_executable(root)), "run",
        "--enable-api", "--cors", "*",
        "--model", str(model),
        "--endpoints", str(endpoints),
        "--credentials", str(root / "credentials.yml"),
        "--port", str(port),
    ]


def action_server_cmd(port: int) -> list[str]:
    return [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)]


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
