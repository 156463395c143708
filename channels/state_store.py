"""Where the channels keep their short-lived memory: in this process, or in Redis for every
Rasa worker and replica at once.

Rasa can run several workers (SANIC_WORKERS, with its Redis lock store) or replicas only if
what a channel remembers between requests is the same on each of them: WeChat retries a message
on whichever worker takes the retry, a mini-program token issued by one worker comes back to
another, a citizen's quota must count on all of them. So every piece of that memory is a
`Space` (one kind of key, one lifetime) of one `ChannelStore`, chosen by BANSHI_REDIS_URL
through `channel_store()`:

* `InProcessStore` (the default, no Redis): `BoundedMap`s bounded in size and age, one process's
  memory, as `make run` needs;
* `RedisStore` (`redis.asyncio`, so Rasa's event loop never blocks on a socket): keys
  `banshi:<space>:<key>`, every write renewing the space's TTL, values as JSON, and atomic
  where the meaning needs it: `claim` is SET NX, `take` reads and deletes a list in one
  MULTI, `admit` counts a sliding window in one Lua script.

Both keep JSON, so a value reads back the same (lists, never tuples) whichever store holds it:
the unit tests of the in-process store (tests/unit/test_channel_memory.py) describe the Redis one
too, which tests/rasa_runtime/test_channel_state_redis.py runs against the machine's Redis.

A Redis that fails or answers too slowly (1 s) raises `StoreUnavailable` (a connection found
dead is retried once on a new one, which is what a restarted Redis needs): what to do without the memory depends on what is at stake, so each user decides. Going on
is safe for numbered options and sent buttons (a typed "1" reads as words), for quotas and the
WeChat customer-service allowance (WeChat enforces its own), and for the mailbox poll; refusing
is right for a nonce (it could be a replay), a WeChat message's first claim (a second turn), a
session token (anyone's conversation) and a mailbox delivery (the agent is told it failed).
The error names the operation and the space, never the key: keys carry openids.

Using it: a channel makes one store (`channel_store()`), each memory asks it for its space,
`store.space("wechat:options", ttl=48 * 3600, size=100_000)`, and closes it when the server stops.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.settings import settings
from channels.memory import BoundedMap, RecentEvents

try:
    from redis.exceptions import RedisError
except ImportError:  # the 3.11 runtime (unit tests) has no redis: only the in-process store runs there

    class RedisError(Exception):  # type: ignore[no-redef]
        pass


T = TypeVar("T")
KEY_PREFIX = "banshi:"
REDIS_TIMEOUT_SECONDS = 1.0
"""Redis sits on the loopback or the LAN: a second without an answer means it is not there,
and WeChat's five seconds are not spent waiting for it."""

# KEYS[1]: the sender's events, a sorted set by time; ARGV: now (ms), the window's start (ms),
# the limit, a member unique to this event, the key's lifetime (ms)
_ADMIT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
"""


class StoreUnavailable(Exception):
    """The channel store did not answer (Redis down, unreachable or too slow)."""


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class Space(ABC):
    """One kind of channel memory: keys whose entries live `ttl` seconds from their last write.

    A key is used one way only: as a value (get/put/claim/delete), a list (push/items/take) or
    a counter (incr, admit)."""

    def __init__(self, name: str, ttl: float) -> None:
        self.name, self.ttl = name, ttl

    @abstractmethod
    async def get(self, key: str) -> Any | None:
        """The value under `key`, or None."""

    @abstractmethod
    async def put(self, key: str, value: Any) -> None:
        """Sets `key` to `value` (JSON)."""

    @abstractmethod
    async def claim(self, key: str, value: Any) -> bool:
        """Sets `key` only if it has no value; True if this call set it (of any process)."""

    @abstractmethod
    async def delete(self, key: str) -> bool:
        """Forgets `key`; True if it had a value."""

    @abstractmethod
    async def push(self, key: str, values: list[Any], keep: int) -> None:
        """Appends `values` to the list under `key`, keeping its last `keep`."""

    @abstractmethod
    async def items(self, key: str) -> list[Any]:
        """The list under `key`, oldest first."""

    @abstractmethod
    async def take(self, key: str) -> list[Any]:
        """The list under `key`, removed in the same step: two takers never both get an item."""

    @abstractmethod
    async def incr(self, key: str) -> int:
        """Adds one to the counter under `key`; its new value."""

    @abstractmethod
    async def admit(self, key: str, limit: int) -> bool:
        """Counts one event under `key` unless `limit` were counted within the last `ttl`
        seconds; a refused event is not counted."""


class ChannelStore(ABC):
    """A channel's memory, in spaces; `shared` says whether other processes see it."""

    shared = False

    def __init__(self) -> None:
        self._spaces: dict[str, Space] = {}

    def space(self, name: str, ttl: float, size: int = 100_000) -> Space:
        """The space `name`, made on first use; `size` bounds an in-process space (Redis is
        bounded by its own memory policy)."""
        if name not in self._spaces:
            self._spaces[name] = self._make_space(name, ttl, size)
        return self._spaces[name]

    @abstractmethod
    def _make_space(self, name: str, ttl: float, size: int) -> Space: ...

    @abstractmethod
    async def close(self) -> None:
        """Releases the store's connections, when the server stops."""


class _InProcessSpace(Space):
    def __init__(self, name: str, ttl: float, size: int, clock: Callable[[], float]) -> None:
        super().__init__(name, ttl)
        self._entries: BoundedMap[Any] = BoundedMap(ttl, size, clock)
        self._events = RecentEvents(ttl, size, clock)

    async def get(self, key: str) -> Any | None:
        raw = self._entries.get(key)
        return None if raw is None else json.loads(raw)

    async def put(self, key: str, value: Any) -> None:
        self._entries.put(key, _dumps(value))

    async def claim(self, key: str, value: Any) -> bool:
        if self._entries.get(key) is not None:
            return False
        self._entries.put(key, _dumps(value))
        return True

    async def delete(self, key: str) -> bool:
        held = self._entries.get(key) is not None  # get, not pop alone: an expired entry is gone
        self._entries.pop(key)
        return held

    async def push(self, key: str, values: list[Any], keep: int) -> None:
        kept = self._entries.get(key) or ()
        self._entries.put(key, (*kept, *map(_dumps, values))[-keep:])

    async def items(self, key: str) -> list[Any]:
        return [json.loads(raw) for raw in self._entries.get(key) or ()]

    async def take(self, key: str) -> list[Any]:
        taken = await self.items(key)
        self._entries.pop(key)
        return taken

    async def incr(self, key: str) -> int:
        count = (self._entries.get(key) or 0) + 1
        self._entries.put(key, count)
        return count

    async def admit(self, key: str, limit: int) -> bool:
        return self._events.admit(key, limit)


class InProcessStore(ChannelStore):
    """This process's memory: enough for one Rasa worker, lost when it restarts."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._clock = clock

    def _make_space(self, name: str, ttl: float, size: int) -> Space:
        return _InProcessSpace(name, ttl, size, self._clock)

    async def close(self) -> None:
        """Nothing to release: the memory goes with the process."""


class _RedisSpace(Space):
    def __init__(self, store: RedisStore, name: str, ttl: float) -> None:
        super().__init__(name, ttl)
        self._store = store
        self._redis = store.client
        self._prefix = f"{store.prefix}{name}:"
        self._ttl_ms = max(1, int(ttl * 1000))

    async def _run(self, operation: str, pending: Awaitable[T]) -> T:
        try:
            return await pending
        except (RedisError, OSError, asyncio.TimeoutError) as error:
            raise StoreUnavailable(f"Redis {operation} in {self.name}: {type(error).__name__}: {error}") from None

    async def get(self, key: str) -> Any | None:
        raw = await self._run("get", self._redis.get(self._prefix + key))
        return None if raw is None else json.loads(raw)

    async def put(self, key: str, value: Any) -> None:
        await self._run("set", self._redis.set(self._prefix + key, _dumps(value), px=self._ttl_ms))

    async def claim(self, key: str, value: Any) -> bool:
        claimed = await self._run(
            "set nx", self._redis.set(self._prefix + key, _dumps(value), px=self._ttl_ms, nx=True)
        )
        return bool(claimed)

    async def delete(self, key: str) -> bool:
        return bool(await self._run("del", self._redis.delete(self._prefix + key)))

    async def push(self, key: str, values: list[Any], keep: int) -> None:
        if not values:
            return
        name = self._prefix + key
        pipe = self._redis.pipeline(transaction=True)
        pipe.rpush(name, *map(_dumps, values)).ltrim(name, -keep, -1).pexpire(name, self._ttl_ms)
        await self._run("rpush", pipe.execute())

    async def items(self, key: str) -> list[Any]:
        return [json.loads(raw) for raw in await self._run("lrange", self._redis.lrange(self._prefix + key, 0, -1))]

    async def take(self, key: str) -> list[Any]:
        name = self._prefix + key
        pipe = self._redis.pipeline(transaction=True)
        pipe.lrange(name, 0, -1).delete(name)
        taken, _deleted = await self._run("lrange+del", pipe.execute())
        return [json.loads(raw) for raw in taken]

    async def incr(self, key: str) -> int:
        name = self._prefix + key
        pipe = self._redis.pipeline(transaction=True)
        pipe.incr(name).pexpire(name, self._ttl_ms)
        count, _renewed = await self._run("incr", pipe.execute())
        return int(count)

    async def admit(self, key: str, limit: int) -> bool:
        now = int(self._store.clock() * 1000)
        member = f"{now}-{secrets.token_hex(4)}"
        args = [now, now - self._ttl_ms, limit, member, self._ttl_ms]
        return bool(await self._run("admit", self._store.admit_script(keys=[self._prefix + key], args=args)))


class RedisStore(ChannelStore):
    """Redis, shared by every Rasa worker and replica; keys under `prefix` (tests use their own).

    Timestamps that several processes compare (the quota window) come from each process's wall
    clock: the machines of one deployment keep NTP time."""

    shared = True

    def __init__(
        self,
        url: str,
        prefix: str = KEY_PREFIX,
        timeout: float = REDIS_TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        from redis.asyncio import Redis  # only the Rasa runtime has redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff
        from redis.exceptions import ConnectionError as RedisConnectionError

        self.prefix, self.clock = prefix, clock
        # After Redis restarts, every pooled connection is dead and failed once each (WeChat
        # pushes refused for ~10 s in scripts/bench_faults.py): one retry on a new connection
        # finds the restarted server; a Redis still down fails the retry at once.
        self.client = Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 1),
            retry_on_error=[RedisConnectionError],
        )
        self.admit_script = self.client.register_script(_ADMIT)

    def _make_space(self, name: str, ttl: float, size: int) -> Space:
        return _RedisSpace(self, name, ttl)

    async def close(self) -> None:
        await self.client.close(close_connection_pool=True)


def channel_store(redis_url: str | None = None) -> ChannelStore:
    """The store for a channel: Redis when BANSHI_REDIS_URL (or `redis_url`) names one, so every
    worker shares the memory; this process's memory otherwise."""
    url = settings.redis_url if redis_url is None else redis_url
    return RedisStore(url) if url else InProcessStore()


def where(store: ChannelStore) -> str:
    """For the channels' start-up log line: where their memory lives (never the URL, which may
    carry a password)."""
    return "in Redis" if store.shared else "in this process"
