"""The channel's short-lived memory: turns in flight (for WeChat's retries) and, per user, the
last numbered options and the customer-service quota.

It lives in the Rasa process, bounded in size and age: retries arrive within ~15 s, options
matter only for the next reply, and the quota window is 48 h. With several Sanic workers each
keeps its own; a deployment that scales out needs these in Redis (see the README).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from channels.memory import BoundedMap
from channels.wechat.rendering import Option

CS_MESSAGES_PER_WINDOW = 5
CS_WINDOW_SECONDS = 48 * 3600


@dataclass
class Turn:
    """One user message being answered: the dialogue task and how its answer goes out.

    `decision` resolves once, to ("passive", parts) when the reply was ready in time for the
    HTTP response, or to ("cs", []) when it goes through the customer-service API instead.
    Every request carrying the same message (WeChat's retries) reads the same decision.
    """

    task: asyncio.Task[list[str]]
    decision: asyncio.Future[tuple[str, list[str]]]
    supervisor: asyncio.Task[None] | None = None


class TurnRegistry:
    """Turns by WeChat's dedup key, so a retried message never starts a second dialogue turn."""

    def __init__(self, ttl_seconds: float = 600, size: int = 10_000) -> None:
        self._turns: BoundedMap[Turn] = BoundedMap(ttl_seconds, size)

    def get_or_start(self, key: str, start: Callable[[], Turn]) -> tuple[Turn, bool]:
        """The turn for `key`, started by `start()` if new; True when it was started now.

        No await between lookup and insert: concurrent retries cannot both start one.
        """
        turn = self._turns.get(key)
        if turn is not None:
            return turn, False
        turn = start()
        self._turns.put(key, turn)
        return turn, True

    def __len__(self) -> int:
        return len(self._turns)


@dataclass
class _User:
    last_message_at: float = 0.0
    cs_sent: int = 0
    cs_blocked: bool = False
    options: tuple[Option, ...] = field(default_factory=tuple)


class UserMemory:
    """Per openid: the numbered options last shown and the customer-service quota.

    WeChat allows customer-service messages only within 48 h of the user's last message and
    only a few of them (5) per message; counting here avoids calls WeChat would refuse, and a
    45015/45047 from WeChat blocks the user until they write again.
    """

    def __init__(self, size: int = 100_000, clock: Callable[[], float] = time.time) -> None:
        self._users: BoundedMap[_User] = BoundedMap(CS_WINDOW_SECONDS, size)
        self._clock = clock

    def _user(self, openid: str) -> _User:
        user = self._users.get(openid)
        if user is None:
            user = _User()
            self._users.put(openid, user)
        return user

    def note_user_message(self, openid: str) -> None:
        """The user wrote: a new 48-hour window with a fresh allowance opens."""
        user = self._user(openid)
        user.last_message_at, user.cs_sent, user.cs_blocked = self._clock(), 0, False
        self._users.put(openid, user)

    def reserve_cs_message(self, openid: str) -> bool:
        """Takes one customer-service message from the allowance; False when none is left."""
        user = self._user(openid)
        if user.cs_blocked or user.cs_sent >= CS_MESSAGES_PER_WINDOW:
            return False
        if self._clock() - user.last_message_at > CS_WINDOW_SECONDS:
            return False
        user.cs_sent += 1
        return True

    def block_cs(self, openid: str) -> None:
        self._user(openid).cs_blocked = True

    def options(self, openid: str) -> tuple[Option, ...]:
        user = self._users.get(openid)
        return user.options if user else ()

    def set_options(self, openid: str, options: tuple[Option, ...]) -> None:
        """The options of the latest reply; a reply without buttons clears them, so a later "1"
        is read as the user's own words rather than a stale choice."""
        self._user(openid).options = tuple(options)
