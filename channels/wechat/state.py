"""The channel's short-lived memory: turns in flight (for WeChat's retries), the signed nonces
already used and, per user, the last numbered options and the customer-service allowance.

It lives in the channel store (channels/state_store.py): this process's memory by default, Redis
with BANSHI_REDIS_URL, so that with several Rasa workers a retry, a "1" or a replayed nonce that
reaches another worker is read there as it would be here. Retries arrive within ~15 s, options
matter only for the next reply, a nonce for as long as its timestamp is accepted, and the
allowance window is 48 h.

Redis keys (under `banshi:`, each renewed to its TTL when written):
`wechat:turn:msg:<MsgId>` (claim, then the decision, 10 min), `wechat:nonce:<timestamp>:<nonce>`
(digest of the body, twice the clock skew), `wechat:options:<openid>` and
`wechat:cs-window:<openid>` / `wechat:cs-sent:<openid>:<window>` (48 h).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.privacy import mask_identifier
from channels.memory import BoundedMap
from channels.state_store import ChannelStore, InProcessStore, StoreUnavailable
from channels.wechat.rendering import Option

log = logging.getLogger(__name__)

CS_MESSAGES_PER_WINDOW = 5
CS_WINDOW_SECONDS = 48 * 3600
TURN_SECONDS = 600
ORPHANED_SECONDS = 6.0
"""A claim without a decision this old was made by a worker that died: a live one decides within
the passive window (under WeChat's 5 s). WeChat's retry then takes the turn over rather than
answer "success" for a message nobody is answering (scripts/bench_faults.py, a Rasa worker
killed under load)."""
DECISION_POLL_SECONDS = 0.05


@dataclass
class Turn:
    """One user message being answered here: the dialogue task and how its answer goes out.

    `decision` resolves once, to ("passive", parts) when the reply was ready in time for the
    HTTP response, or to ("cs", []) when it goes through the customer-service API instead.
    Every request carrying the same message (WeChat's retries) reads the same decision.
    """

    task: asyncio.Task[list[str]]
    decision: asyncio.Future[tuple[str, list[str]]]
    supervisor: asyncio.Task[None] | None = None


class Orphaned:
    """What `reply_from_elsewhere` says of a claim whose worker died before deciding."""


ORPHANED = Orphaned()


class TurnRegistry:
    """Turns by WeChat's dedup key, so a retried message never starts a second dialogue turn,
    whichever worker it reaches.

    The first worker to receive a message claims its key in the store (SET NX in Redis) and runs
    the turn. A retry reaching the same worker joins the turn's futures, as with one process; a
    retry reaching another finds the key claimed and waits for the decision the first worker
    writes back (`publish`): the passive reply to answer with again, or none when the answer
    goes through the customer-service API. With the in-process store the claim never waits on
    anything, so concurrent retries in one process cannot both start a turn.
    """

    def __init__(
        self, store: ChannelStore | None = None, ttl_seconds: float = TURN_SECONDS, size: int = 10_000
    ) -> None:
        self._here: BoundedMap[Turn] = BoundedMap(ttl_seconds, size)
        self._claims = (store or InProcessStore()).space("wechat:turn", ttl_seconds, size)

    async def get_or_start(self, key: str, start: Callable[[], Turn]) -> tuple[Turn | None, bool]:
        """The turn for `key` if it runs in this process, started by `start()` if no worker had
        claimed it (True then); None when another worker runs it (see `reply_from_elsewhere`).

        Raises StoreUnavailable when the claim cannot be made: the caller must not start a turn
        another worker may be starting too."""
        turn = self._here.get(key)
        if turn is not None:
            return turn, False
        if not await self._claims.claim(key, {"at": time.time()}) and not await self._take_over(key):
            return None, False
        turn = start()  # no await since the claim: a retry arriving here now finds this turn
        self._here.put(key, turn)
        return turn, True

    async def orphaned(self, key: str) -> bool:
        """Whether the claim on `key` is undecided and older than ORPHANED_SECONDS."""
        claimed: dict[str, Any] | None = await self._claims.get(key)
        return bool(claimed) and "how" not in claimed and time.time() - claimed.get("at", 0) > ORPHANED_SECONDS

    async def _take_over(self, key: str) -> bool:
        """Claims an orphaned turn for this worker; of several retries, one wins (SET NX)."""
        if not await self.orphaned(key) or not await self._claims.claim(f"{key}:taken-over", {}):
            return False
        await self._claims.put(key, {"at": time.time()})
        return True

    async def publish(self, key: str, how: str, parts: list[str]) -> None:
        """Writes the turn's decision for retries that reach other workers; raises StoreUnavailable."""
        await self._claims.put(key, {"how": how, "reply": parts[0] if how == "passive" and parts else None})

    async def reply_from_elsewhere(self, key: str, timeout: float) -> str | None | Orphaned:
        """The passive reply another worker decided on for `key`, waiting up to `timeout` for the
        decision; None for `success` (customer-service delivery, no decision in time, or the
        claim forgotten); ORPHANED when the claim outlived its worker (take the turn over with
        `get_or_start`). Raises StoreUnavailable."""
        deadline = time.monotonic() + timeout
        while True:
            decided: dict[str, Any] | None = await self._claims.get(key)
            if decided is None or "how" in decided:
                return decided.get("reply") if decided else None
            if time.time() - decided.get("at", time.time()) > ORPHANED_SECONDS:
                return ORPHANED
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(DECISION_POLL_SECONDS)


class Nonces:
    """Signed (timestamp, nonce) pairs already used, each with the digest of the body first
    signed with them: WeChat's own retries resend the same body, anything else under a seen
    nonce is a replay. Claimed with SET NX, so two workers cannot both take a pair as fresh."""

    def __init__(self, ttl_seconds: float, store: ChannelStore | None = None, size: int = 100_000) -> None:
        self._seen = (store or InProcessStore()).space("wechat:nonce", ttl_seconds, size)

    async def spend(self, nonce: str, digest: str) -> bool:
        """False when `nonce` was used with another body. Raises StoreUnavailable: the caller
        refuses rather than risk accepting a replay."""
        if await self._seen.claim(nonce, digest):
            return True
        return await self._seen.get(nonce) == digest


class UserMemory:
    """Per openid: the numbered options last shown and the customer-service allowance.

    WeChat allows customer-service messages only within 48 h of the user's last message and
    only a few of them (5) per message; counting here avoids calls WeChat would refuse, and a
    45015/45047 from WeChat blocks the user until they write again. Each message of the user
    opens a window with a random name, and the messages sent in it are counted under that name,
    so a new window starts from zero without resetting a counter another worker is using.

    Without Redis answering: options read as none (a typed "1" is the user's words) and the
    allowance as open (WeChat still refuses what is over its quota, which blocks the user here).
    """

    def __init__(
        self, store: ChannelStore | None = None, size: int = 100_000, clock: Callable[[], float] = time.time
    ) -> None:
        store = store or InProcessStore()
        self._windows = store.space("wechat:cs-window", CS_WINDOW_SECONDS, size)
        self._sent = store.space("wechat:cs-sent", CS_WINDOW_SECONDS, size)
        self._options = store.space("wechat:options", CS_WINDOW_SECONDS, size)
        self._clock = clock

    async def note_user_message(self, openid: str) -> None:
        """The user wrote: a new 48-hour window with a fresh allowance opens."""
        try:
            window = {"at": self._clock(), "id": secrets.token_hex(8), "blocked": False}
            await self._windows.put(openid, window)
        except StoreUnavailable as error:
            log.warning("wechat: the message window of %s not renewed: %s", mask_identifier(openid), error)

    async def reserve_cs_message(self, openid: str) -> bool:
        """Takes one customer-service message from the allowance; False when none is left."""
        try:
            window = await self._windows.get(openid)
            if window is None or window["blocked"] or self._clock() - window["at"] > CS_WINDOW_SECONDS:
                return False
            return await self._sent.incr(f"{openid}:{window['id']}") <= CS_MESSAGES_PER_WINDOW
        except StoreUnavailable as error:
            log.warning("wechat: allowance of %s not counted, sending anyway: %s", mask_identifier(openid), error)
            return True

    async def block_cs(self, openid: str) -> None:
        """WeChat refused a message over its quota: none is tried until the user writes again."""
        try:
            window = await self._windows.get(openid)
            if window is not None:
                await self._windows.put(openid, {**window, "blocked": True})
        except StoreUnavailable as error:
            log.warning("wechat: the block of %s not kept: %s", mask_identifier(openid), error)

    async def options(self, openid: str) -> tuple[Option, ...]:
        try:
            shown = await self._options.get(openid)
        except StoreUnavailable as error:
            log.warning("wechat: options of %s not read, digits read as words: %s", mask_identifier(openid), error)
            return ()
        return tuple(Option(title, payload) for title, payload in shown or ())

    async def set_options(self, openid: str, options: tuple[Option, ...]) -> None:
        """The options of the latest reply; a reply without buttons clears them, so a later "1"
        is read as the user's own words rather than a stale choice."""
        try:
            if options:
                await self._options.put(openid, [[option.title, option.payload] for option in options])
            else:
                await self._options.delete(openid)
        except StoreUnavailable as error:
            log.warning("wechat: options of %s not kept: %s", mask_identifier(openid), error)
