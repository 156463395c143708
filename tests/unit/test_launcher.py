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


def test_the_endpoints_name_sqlite_alone_or_postgresql_and_redis_for_several_workers(tmp_path):
    import yaml

    from bot.ops.processes import write_endpoints

    alone = yaml.safe_load(write_endpoints(tmp_path / "one.yml", 5055, tmp_path / "tracker.db").read_text())
    assert alone["tracker_store"]["dialect"] == "sqlite" and alone["lock_store"] == {"type": "in_memory"}
    scaled = yaml.safe_load(
        write_endpoints(
            tmp_path / "two.yml",
            5055,
            "postgresql://postgres@127.0.0.1:5432/banshi",
            lock_redis_url="redis://127.0.0.1:6379/2?prefix=banshi",
        ).read_text()
    )
    assert scaled["tracker_store"] | {"type": None} == {
        "type": None,
        "dialect": "postgresql",
        "url": "127.0.0.1",
        "port": 5432,
        "db": "banshi",
        "username": "postgres",
    }
    assert scaled["lock_store"] == {"type": "redis", "url": "127.0.0.1", "port": 6379, "db": 2, "key_prefix": "banshi"}
    assert (tmp_path / "two.yml").stat().st_mode & 0o077 == 0, "it carries the action server's secret"
