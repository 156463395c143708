"""Process-wide objects that are expensive to make (an engine that migrates its database, an
embedding model, a retriever), made once per set of arguments.

`functools.lru_cache` alone is not enough for them: callers that miss together each make their
own. An action server restarted under load (scripts/bench_faults.py) loaded the embedding model
five times at once and ran the database's migrations from several threads, which Alembic does
not survive (KeyError: 'config'). Callers that miss together here wait for the first one's.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def made_once(maxsize: int) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """`lru_cache(maxsize)` whose misses are made one at a time; `cache_clear` is kept."""

    def decorate(make: Callable[P, T]) -> Callable[P, T]:
        cached = functools.lru_cache(maxsize=maxsize)(make)
        lock = threading.RLock()  # a making that asks for another of its own kind does not hang

        @functools.wraps(make)
        def get(*args: P.args, **kwargs: P.kwargs) -> T:
            with lock:
                return cached(*args, **kwargs)

        get.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        return get

    return decorate
