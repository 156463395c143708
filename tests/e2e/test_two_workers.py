"""Two Rasa workers behind one port (Rasa's SANIC_WORKERS, allowed with its Redis lock store,
the trackers in PostgreSQL): an agent's words, run through Rasa's API on whichever worker takes
the request, reach the citizen's socket on whichever worker holds it (python-socketio's
AsyncRedisManager), and a button one worker sent is admitted when the other receives its click
(channels/payloads.py keeps sent buttons in Redis). With one process's memory either would be
lost about half the time, so each is tried several times over several sockets.

Skipped unless the machine's Redis and PostgreSQL answer (make test runs where both do).
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import uuid
from urllib.parse import urlsplit

import pytest
import socketio

from bot.identity import web_session
from bot.ops.model_cache import ensure_model, rasa_env
from bot.ops.processes import (
    NotHealthy,
    action_server_cmd,
    free_port,
    rasa_health_url,
    rasa_server_cmd,
    stop_processes,
    wait_healthy,
    write_endpoints,
)
from bot.ops.scaled import drop_database, ensure_database
from bot.rasa_api import RasaAPI
from bot.settings import secret
from tests.e2e.conftest import ROOT

REDIS_URL = "redis://127.0.0.1:6379/0"
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
"""The machine's shared Redis and PostgreSQL (trust auth): a database of its own is made and
dropped, and Redis keys carry a prefix of their own."""
CITIZENS, REPLIES = 4, 3


def _reachable(*urls: str) -> bool:
    for url in urls:
        address = urlsplit(url)
        try:
            socket.create_connection((address.hostname, address.port), timeout=2).close()
        except OSError:
            return False
    return True


pytestmark = pytest.mark.skipif(not _reachable(REDIS_URL, POSTGRES), reason="needs the machine's Redis and PostgreSQL")


@pytest.fixture(scope="module")
def workers(tmp_path_factory):
    work = tmp_path_factory.mktemp("two_workers")
    database = f"{POSTGRES}/banshi_workers_{uuid.uuid4().hex[:10]}"
    ensure_database(database)
    action_port, rasa_port = free_port(), free_port()
    (work / "credentials.yml").write_text("channels.web.WebChatInput:\n  user_message_evt: user_uttered\n")
    endpoints = write_endpoints(
        work / "endpoints.yml",
        action_port,
        database,
        ROOT,
        lock_redis_url=f"{REDIS_URL}?prefix=banshi{uuid.uuid4().hex[:8]}",
    )
    model = ensure_model(ROOT, quiet=True)
    env = rasa_env(ROOT) | {
        "SANIC_WORKERS": "2",
        "BANSHI_REDIS_URL": REDIS_URL,
        "BANSHI_DB_URL": f"sqlite:///{work / 'banshi.db'}",
        "BANSHI_KB_WARM_UP": "0",
    }
    actions = action_server_cmd(action_port)
    rasa = rasa_server_cmd(model, endpoints, rasa_port, ROOT, work / "credentials.yml", origins=())
    started = []
    try:
        for name, cmd, health in (
            ("actions", actions, f"http://127.0.0.1:{action_port}/health"),
            ("rasa", rasa, rasa_health_url(rasa_port)),
        ):
            log = work / f"{name}.log"
            started.append(
                (subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT), health, log)
            )
        for process, health, log in started:
            try:
                wait_healthy(health, process, log, 300)
            except NotHealthy as error:
                pytest.fail(str(error))
        yield {"url": f"http://127.0.0.1:{rasa_port}", "rasa_pid": started[1][0].pid}
    finally:
        stop_processes([process for process, _health, _log in started])
        drop_database(database)


class Citizen:
    """A widget's socket, with what it was told."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient()
        self.told: asyncio.Queue[dict] = asyncio.Queue()
        self.client.on("bot_uttered", self.told.put_nowait)

    async def connect(self, url: str, token: str | None = None) -> str:
        """Connects with a new session, or with `token` (the same page after its socket dropped)."""
        issued = None if token else web_session.issue(web_session.session_key(ROOT))
        self.token = token or issued.token
        await self.client.connect(url, transports=["websocket"], auth={"token": self.token})
        return web_session.verify(web_session.session_key(ROOT), self.token)

    async def said(self, timeout: float = 60) -> dict:
        return await asyncio.wait_for(self.told.get(), timeout)

    async def turn(self, quiet: float = 1.5) -> list[dict]:
        """Every message of one turn: the first, then what follows until `quiet` seconds pass."""
        said = [await self.said()]
        while True:
            try:
                said.append(await asyncio.wait_for(self.told.get(), quiet))
            except asyncio.TimeoutError:
                return said

    async def drain(self, seconds: float = 1.0) -> None:
        await asyncio.sleep(seconds)
        while not self.told.empty():
            self.told.get_nowait()


def test_an_agents_words_and_a_buttons_click_cross_workers(workers):
    asyncio.run(_cross_workers(workers))


async def _cross_workers(workers) -> None:  # noqa: ANN001
    rasa = RasaAPI(workers["url"], secret("rasa_token", ROOT))
    citizens = [Citizen() for _ in range(CITIZENS)]
    try:
        senders = [await c.connect(workers["url"]) for c in citizens]
        for citizen in citizens:
            await citizen.client.emit("user_uttered", {"message": "你好"})
            assert "您好" in (await citizen.said())["text"]
            await citizen.drain()
        for round_ in range(REPLIES):
            for citizen, sender in zip(citizens, senders):
                await rasa.say(sender, f"第{round_}条回复")
                assert (await citizen.said(timeout=20))["text"] == f"【人工客服】第{round_}条回复"
        for citizen, sender in zip(citizens, senders):
            await rasa.offer_rating(sender, "handoff:1")
            offer = await citizen.said(timeout=20)
            payload = next(b["payload"] for b in offer["quick_replies"] if b["title"] == "满意")
            await citizen.client.emit("user_uttered", {"message": payload})
            assert "感谢您的评价（满意）" in (await citizen.said())["text"], "the click was read as a button"
    finally:
        for citizen in citizens:
            await citizen.client.disconnect()
        await rasa.close()


def test_a_message_the_widget_sends_again_is_answered_once(workers):
    asyncio.run(_sent_again(workers))


async def _sent_again(workers) -> None:  # noqa: ANN001
    """The widget resends an unanswered message with its id when its socket comes back (on
    whichever worker): the turn runs once and the new socket is given the answer again."""
    rasa = RasaAPI(workers["url"], secret("rasa_token", ROOT))
    first, again = Citizen(), Citizen()
    message = {"message": "你好", "message_id": "0123456789abcdef"}
    try:
        sender = await first.connect(workers["url"])
        await first.client.emit("user_uttered", message)
        answered = await first.turn()
        assert all(m["reply_to"] == message["message_id"] and "replay" not in m for m in answered)
        await first.client.disconnect()
        await again.connect(workers["url"], token=first.token)
        await again.client.emit("user_uttered", message)
        replayed = await again.turn()
        assert all(m.pop("replay") is True for m in replayed)
        assert replayed == answered
        said = [e for e in (await rasa.tracker(sender))["events"] if e["event"] == "user"]
        assert [e["text"] for e in said] == ["你好"]
    finally:
        for citizen in (first, again):
            await citizen.client.disconnect()
        await rasa.close()


def _children(pid: int) -> list[int]:
    listed = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid=,args="], capture_output=True, text=True).stdout
    return [int(line.split()[0]) for line in listed.splitlines() if "resource_tracker" not in line]


def test_rasa_really_runs_two_workers(workers):
    assert len(_children(workers["rasa_pid"])) >= 2, "SANIC_WORKERS=2 with the Redis lock store"
