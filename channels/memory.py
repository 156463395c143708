"""A small in-process map bounded in size and age, for the channels' short-lived memory
(WeChat retries and options, mini-program sessions). Per process: several Sanic workers each
keep their own, so a deployment that scales out needs these in Redis (see the README).
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
