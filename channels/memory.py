"""Small in-process maps bounded in size and age: the channels' short-lived memory when there
is no Redis (the default `make run`, one Rasa process).

`BoundedMap` backs the in-process channel store (channels/state_store.py: WeChat retries and
options, quotas, mini-program sessions and mailbox); with BANSHI_REDIS_URL set the channels keep
the same memory in Redis instead, shared by every Rasa worker. `RecentEvents` is the sliding
window both the in-process store and the console's login limit (channels/rate.py) count with.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class BoundedMap(Generic[V]):
    """An insertion-ordered dict that forgets entries older than `ttl` or beyond `size`.

    An entry's age counts from its last `put`; the oldest entries go first when it is full.
    """

    def __init__(self, ttl: float, size: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.size = ttl, size
        self._clock = clock
        self._items: OrderedDict[str, tuple[float, V]] = OrderedDict()

    def _prune(self, now: float) -> None:
        while self._items:
            key, (stamp, _value) = next(iter(self._items.items()))
            if now - stamp <= self.ttl and len(self._items) <= self.size:
                break
            del self._items[key]

    def get(self, key: str) -> V | None:
        self._prune(self._clock())
        entry = self._items.get(key)
        return entry[1] if entry else None

    def put(self, key: str, value: V) -> None:
        self._items.pop(key, None)
        self._items[key] = (self._clock(), value)
        self._prune(self._clock())

    def pop(self, key: str) -> V | None:
        entry = self._items.pop(key, None)
        return entry[1] if entry else None

    def __len__(self) -> int:
        return len(self._items)


class RecentEvents:
    """Per key, the times of the events within the last `window` seconds: a sliding-window
    limit. An event refused by `admit` is not counted, so a sender held back is free again a
    window after their last admitted message, however often they retried."""

    def __init__(self, window: float, size: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self._clock = clock
        self._times: BoundedMap[tuple[float, ...]] = BoundedMap(window, size, clock)

    def admit(self, key: str, limit: int) -> bool:
        """Counts one event for `key` unless `limit` were already counted within the window."""
        now = self._clock()
        recent = tuple(t for t in (self._times.get(key) or ()) if now - t < self.window)
        if len(recent) >= limit:
            return False
        self._times.put(key, (*recent, now))
        return True
