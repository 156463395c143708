"""The real stack as processes: the Rasa server (3.10 runtime), the action server (3.11), the
console, the sandbox portal (dev mode: /dev/sms gives the test the SMS code; simulator
frozen so the demo cases stay as seeded) and the fake WeChat API the WeChat channels talk to
(tests/support/fake_wechat.py), on free ports, with their own tracker, services and
portal databases, so a running `make run` is never disturbed and every run starts clean."""

from __future__ import annotations

import subprocess
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from bot.identity.store import IdentityStore
from bot.ops.model_cache import ensure_model, rasa_env
from bot.ops.processes import (
    NotHealthy,
    action_ready_url,
    action_server_cmd,
    console_cmd,
    free_port,
    kb_import_cmd,
    object_store_env,
    portal_cmd,
    rasa_health_url,
    rasa_server_cmd,
    stop_processes,
    wait_healthy,
    write_endpoints,
)
from bot.settings import secret
from tests.support.portal_limits import RELAXED

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 240
KB_DB_URL = f"sqlite:///{ROOT / 'data' / 'db' / 'test-kb.db'}"
"""The demo knowledge base for the tests, kept between runs: the import is idempotent, so only
the first run (or a changed guide) pays for encoding the pack."""
knowledge_base_imported = threading.Event()
WECHAT = {
    "BANSHI_WECHAT_TOKEN": "e2e-wechat-token",
    "BANSHI_WECHAT_APPID": "wxe2e00000official",
    "BANSHI_WECHAT_SECRET": "e2e-wechat-secret",
    "BANSHI_MINIPROGRAM_APPID": "wxe2e000000miniapp",
    "BANSHI_MINIPROGRAM_SECRET": "e2e-miniprogram-secret",
}
"""The WeChat accounts of the stack: the channels read them from the environment, the fake
WeChat API is started with them, the tests sign with them."""


@dataclass
class Stack:
    rasa_url: str
    action_url: str
    console_url: str
    portal_url: str
    db_url: str
    portal_db_url: str
    inbox_url: str
    wechat_api_url: str
    logs: Path
    wechat: dict[str, str] = field(default_factory=lambda: dict(WECHAT))

    def say(self, text: str, sender: str) -> list[dict]:
        response = httpx.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def tracker(self, sender: str) -> dict:
        """Read through Rasa's HTTP API, which answers only with the token."""
        response = httpx.get(
            f"{self.rasa_url}/conversations/{sender}/tracker", params={"token": secret("rasa_token", ROOT)}, timeout=30
        )
        assert response.status_code == 200, response.text
        return response.json()

    def slot(self, sender: str, name: str):
        return self.tracker(sender)["slots"].get(name)

    def identity_token(self, sender: str) -> str:
        """The portal token the action server keeps for a sender bound in the chat."""
        identity = IdentityStore(self.db_url).current(sender)
        assert identity is not None, f"{sender} is not bound"
        return identity.token


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    work = tmp_path_factory.mktemp("stack")
    model = ensure_model(ROOT, quiet=True)
    rasa_port, action_port, console_port, portal_port = free_port(), free_port(), free_port(), free_port()
    wechat_port = free_port()
    db_url = f"sqlite:///{work / 'banshi.db'}"
    portal_db_url = f"sqlite:///{work / 'portal.db'}"
    endpoints = write_endpoints(work / "endpoints.yml", action_port, work / "tracker.db", ROOT)
    origins = (f"http://127.0.0.1:{console_port}", f"http://localhost:{console_port}")
    env = rasa_env(ROOT) | {
        "BANSHI_DB_URL": db_url,
        "BANSHI_KB_DB_URL": KB_DB_URL,
        "BANSHI_RASA_PUBLIC_URL": f"http://localhost:{rasa_port}",
        "BANSHI_RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "BANSHI_HUMAN_HOURS": "每天 0:00—24:00",  # 转人工 pauses the bot whenever the tests run
        "BANSHI_PORTAL_URL": f"http://127.0.0.1:{portal_port}",
        "BANSHI_PORTAL_DB_URL": portal_db_url,
        "BANSHI_PORTAL_DEV": "1",
        "BANSHI_WIDGET_ORIGINS": ",".join(origins),
        "BANSHI_PORTAL_TICK_SECONDS": "0",
        "BANSHI_WECHAT_API_BASE": f"http://127.0.0.1:{wechat_port}",
        # case notices: the portal's webhook to the console, the channels' opt-ins to it too
        "BANSHI_CONSOLE_URL": f"http://127.0.0.1:{console_port}",
        "BANSHI_NOTICE_WEBHOOK_URL": f"http://127.0.0.1:{console_port}/hooks/portal-notices",
        "BANSHI_NOTICE_SECRET": "e2e-notice-secret",
        "BANSHI_PORTAL_NOTICE_SECONDS": "0.2",
        "BANSHI_NOTICE_POLL_SECONDS": "5",
        **WECHAT,
        **object_store_env(work),
        **RELAXED,
    }

    imported = subprocess.run(kb_import_cmd(ROOT / "knowledge"), cwd=ROOT, env=env, capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr[-3000:]
    knowledge_base_imported.set()

    fake_wechat = [
        *(str(ROOT / ".venv-rasa" / "bin" / "python"), "-m", "tests.support.fake_wechat", "--port", str(wechat_port)),
        *("--appid", WECHAT["BANSHI_WECHAT_APPID"], "--secret", WECHAT["BANSHI_WECHAT_SECRET"]),
        *("--mp-appid", WECHAT["BANSHI_MINIPROGRAM_APPID"], "--mp-secret", WECHAT["BANSHI_MINIPROGRAM_SECRET"]),
    ]
    specs = [
        ("wechat", fake_wechat, f"http://127.0.0.1:{wechat_port}/_health"),
        ("actions", action_server_cmd(action_port), action_ready_url(action_port)),
        ("rasa", rasa_server_cmd(model, endpoints, rasa_port, ROOT, origins=origins), rasa_health_url(rasa_port)),
        ("console", console_cmd(console_port), f"http://127.0.0.1:{console_port}/health"),
        ("portal", portal_cmd(portal_port), f"http://127.0.0.1:{portal_port}/health"),
    ]
    started = []
    for name, cmd, health in specs:
        log = work / f"{name}.log"
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        started.append((health, process, log))
    try:
        for health, process, log in started:
            try:
                wait_healthy(health, process, log, STARTUP_TIMEOUT_S)
            except NotHealthy as error:
                pytest.fail(str(error))
        yield Stack(
            rasa_url=f"http://127.0.0.1:{rasa_port}",
            action_url=f"http://127.0.0.1:{action_port}",
            console_url=f"http://127.0.0.1:{console_port}",
            portal_url=f"http://127.0.0.1:{portal_port}",
            db_url=db_url,
            portal_db_url=portal_db_url,
            inbox_url=env["BANSHI_UPLOAD_INBOX"],
            wechat_api_url=env["BANSHI_WECHAT_API_BASE"],
            logs=work,
        )
        for _health, process, log in started:
            assert process.poll() is None, f"a server died during the tests:\n{log.read_text()[-3000:]}"
    finally:
        stop_processes([process for _health, process, _log in started])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The golden transcripts first: they need the seeded portal before other tests leave
    drafts and applications for the same demo people."""
    items.sort(key=lambda item: "test_golden_transcripts" not in item.nodeid)


@pytest.fixture
def sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:12]}"
