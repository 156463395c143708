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
from urllib.parse import parse_qsl, urlsplit

from bot.ops.model_cache import rasa_python
from bot.private_files import private_sqlite_file
from bot.settings import secret, settings

SECRET_HEADER = "X-Banshi-Action-Secret"
"""How Rasa proves to the action server that the call is ours (checked in actions/guard.py)."""


def rasa_server_cmd(
    model: Path,
    endpoints: Path,
    port: int,
    root: Path | None = None,
    credentials: Path | None = None,
    origins: tuple[str, ...] | None = None,
) -> list[str]:
    """Rasa's HTTP API needs the token (`rasa_token`) on every route but the channels' webhooks
    and `GET /`; the server reads it itself, off the command line. CORS admits only the pages
    allowed to embed the widget."""
    root = root or settings.project_root
    secret("rasa_token", root)  # made now, before the server reads it (bot/ops/rasa_server.py)
    return [
        str(rasa_python(root)),
        "-m",
        "bot.ops.rasa_server",
        "run",
        "--enable-api",
        "--interface",
        settings.bind_host,
        "--cors",
        *(origins if origins is not None else settings.widget_origins),
        "--model",
        str(model),
        "--endpoints",
        str(endpoints),
        "--credentials",
        str(credentials or root / "credentials.yml"),
        "--port",
        str(port),
    ]


def rasa_health_url(port: int) -> str:
    """Answers 200 once the model is loaded, without the token (it says only the version)."""
    return f"http://127.0.0.1:{port}/"


def action_ready_url(port: int) -> str:
    """Answers 200 once the knowledge base's model and index are loaded (503 before), without
    the shared secret: what a start waits for, so the first questions find it ready."""
    return f"http://127.0.0.1:{port}/ready"


def action_server_cmd(port: int) -> list[str]:
    return [sys.executable, "-m", "actions", "--port", str(port)]


def portal_cmd(port: int) -> list[str]:
    return [sys.executable, "-m", "portal", "--host", settings.bind_host, "--port", str(port)]


def kb_import_cmd(*paths: Path) -> list[str]:
    """The idempotent knowledge-base import: seconds when nothing changed, about a minute the first time."""
    return [sys.executable, "-m", "bot", "kb", "import", *(str(p) for p in paths), "--quiet"]


def console_cmd(port: int, public_url: str | None = None) -> list[str]:
    """`public_url`: the gateway in production — where the browser reaches socket.io and how
    the pages name themselves."""
    extra = ["--rasa-url", public_url, "--origin", public_url] if public_url else []
    return [sys.executable, "-m", "console", "--host", settings.bind_host, "--port", str(port), *extra]


PRIVATE_TRACKER_STORE = "bot.tracker_store.PrivateSQLTrackerStore"
"""Rasa's SQL tracker store keeping personal data masked or sealed (bot/tracker_store.py)."""


def write_endpoints(
    path: Path,
    action_port: int,
    tracker_db: Path | str,
    root: Path | None = None,
    lock_redis_url: str | None = None,
) -> Path:
    """An endpoints file for servers on non-default ports or with their own tracker database.

    `tracker_db`: a SQLite file, or a `postgresql://user@host:port/db` URL for several Rasa
    workers; `lock_redis_url` (`redis://host:port/db?prefix=<letters and digits>`): Rasa's
    Redis lock store, without which Rasa runs one worker only. It carries the action server's
    shared secret, so it is written readable by its owner only, and a SQLite tracker database
    Rasa will create is made 0600 first.
    """
    path.write_text(
        "action_endpoint:\n"
        f'  url: "http://127.0.0.1:{action_port}/webhook"\n'
        "  headers:\n"
        f'    {SECRET_HEADER}: "{secret("action_secret", root)}"\n'
        + _tracker_store(tracker_db)
        + _lock_store(lock_redis_url)
        + "nlg:\n  type: bot.nlg.EditedWordingNLG\n",  # the editors' wording (bot/nlg.py)
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path


def _tracker_store(db: Path | str) -> str:
    head = f"tracker_store:\n  type: {PRIVATE_TRACKER_STORE}\n"
    if isinstance(db, Path):
        private_sqlite_file(db)
        return head + f"  dialect: sqlite\n  db: {db}\n"
    url = urlsplit(db)
    return head + (
        f"  dialect: postgresql\n  url: {url.hostname}\n  port: {url.port or 5432}\n"
        f"  db: {url.path.lstrip('/')}\n  username: {url.username or 'postgres'}\n"
    )


def _lock_store(redis_url: str | None) -> str:
    if not redis_url:
        return "lock_store:\n  type: in_memory\n"
    url = urlsplit(redis_url)
    prefix = dict(parse_qsl(url.query)).get("prefix", "banshi")
    return (
        f"lock_store:\n  type: redis\n  url: {url.hostname}\n  port: {url.port or 6379}\n"
        f"  db: {url.path.lstrip('/') or 0}\n  key_prefix: {prefix}\n"
    )


def object_store_env(work: Path) -> dict[str, str]:
    """Object stores of their own for a stack started in `work` (tests, benchmarks): the
    chat's upload inbox and the portal's material store, so a run never touches `make run`'s."""
    return {
        "BANSHI_UPLOAD_INBOX": f"file://{work / 'objects' / 'inbox'}",
        "BANSHI_PORTAL_OBJECTS": f"file://{work / 'objects' / 'portal'}",
    }


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


def stop_processes(processes: list[subprocess.Popen], timeout_s: float = 20) -> None:
    """Asks every server to stop at once, then waits for each; one that will not is killed."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
