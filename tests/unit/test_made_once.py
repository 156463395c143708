"""bot/made_once.py: callers that miss together wait for one making, as an action server
restarted under load needs (it loaded its model five times and raced Alembic before)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bot.made_once import made_once


def test_callers_that_miss_together_get_one_object_made_once():
    made: list[str] = []
    start = threading.Barrier(8)

    @made_once(maxsize=2)
    def slow(name: str) -> object:
        made.append(name)
        time.sleep(0.2)
        return object()

    def call(_: int) -> object:
        start.wait()
        return slow("model")

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(call, range(8)))

    assert made == ["model"]
    assert all(result is results[0] for result in results)


def test_each_argument_is_made_once_and_the_cache_can_be_cleared():
    made: list[str] = []

    @made_once(maxsize=2)
    def make(name: str) -> str:
        made.append(name)
        return name.upper()

    assert [make("a"), make("b"), make("a")] == ["A", "B", "A"]
    make.cache_clear()
    make("a")
    assert made == ["a", "b", "a"]
