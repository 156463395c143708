"""After Redis restarts, the next message finds it (issue 17, faults). The channels' store
(channels/state_store.py) retries a connection found dead once on a new one: redis.asyncio's
pool hands out dead connections, and without the retry each failed once after a restart (the
second test fails that way with the retry removed). Rasa's lock store uses the synchronous
client, whose pool reconnects a connection closed by the server before handing it out; the
first test keeps that true of the redis-py we install.

Runs a Redis of its own on a free loopback port (never the machine's shared one).
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
from rasa.core.lock_store import LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from channels.state_store import RedisStore

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")


class OwnRedis:
    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        cmd = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture()
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis()
    server.start()
    yield server
    server.stop()


def test_rasas_lock_store_locks_across_a_redis_restart(own_redis):
    config = EndpointConfig(url="127.0.0.1", type="redis", port=own_redis.port, db=0)
    store = LockStore.create(config)
    assert isinstance(store, RedisLockStore)

    async def one_turn(conversation: str) -> None:
        async with store.lock(conversation, lock_lifetime=5, wait_time_in_seconds=0.05):
            pass

    asyncio.run(one_turn("citizen"))
    own_redis.restart()
    asyncio.run(one_turn("citizen"))
    assert store.get_lock("citizen") is None or store.get_lock("citizen").is_empty()


def test_the_channels_store_answers_across_a_redis_restart(own_redis):
    async def scenario() -> None:
        store = RedisStore(f"redis://127.0.0.1:{own_redis.port}/0", prefix="restart-test:")
        space = store.space("memory", ttl=60)
        await space.put("k", [1])
        own_redis.restart()
        assert await space.get("k") is None  # the restarted Redis kept nothing, and said so
        await space.put("k", [2])
        assert await space.get("k") == [2]
        await store.close()

    asyncio.run(scenario())
