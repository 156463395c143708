"""`make run` refuses politely when a port is taken (a real process, no servers started)."""

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_port_in_use_gives_a_clear_message_not_a_traceback():
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        env = dict(os.environ, BANSHI_CONSOLE_PORT=str(port))
        result = subprocess.run(
            [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 1
    assert f"端口 {port}" in result.stderr and "BANSHI_CONSOLE_PORT" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
