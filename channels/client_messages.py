"""A message a client sends again is answered once: the web widget's and the mini-program's
client message ids (WeChat has its MsgId, channels/wechat/state.py).

A client resends a message when it saw no answer: the widget when its socket dropped with a
message unanswered (a Rasa worker died, the network went), the mini-program when its request
failed. The first try may have reached Rasa and been answered; without an id the resend would
be a second turn (the same "提交" twice). So each message carries an id of the client's making,
and the first request to claim `<sender>:<id>` in the channel store runs the turn and stores its
answer; a request with the same id while it runs waits for that answer, and one after it is
given gets it again (`replayed`). A claim whose worker died (no heartbeat for ORPHANED_SECONDS)
is taken over by the next request for it, once. Without the store (Redis down), the turn runs:
answering twice is the lesser harm than not answering.

Redis keys (under `banshi:`): `<channel>:message:<sender>:<id>`, 10 minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.privacy import mask_identifier
from channels.state_store import ChannelStore, InProcessStore, StoreUnavailable

log = logging.getLogger(__name__)

MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
"""A client's id for one message: a random token (the widget makes 16 hex digits)."""
KEEP_SECONDS = 600
HEARTBEAT_SECONDS = 2.0
ORPHANED_SECONDS = 6.0
"""A running turn renews its claim every HEARTBEAT_SECONDS; one not renewed for this long belongs
to a worker that died."""
WAIT_SECONDS = 30.0
"""How long a resend waits for the turn another request runs: above the 20 s a turn can wait for
a dead worker's conversation lock (TICKET_LOCK_LIFETIME in the scaled profile)."""
POLL_SECONDS = 0.1

Messages = list[dict[str, Any]]


def valid_message_id(value: Any) -> str | None:  # noqa: ANN401 - whatever the client sent
    """The id if it is one a client may send, else None."""
    return value if isinstance(value, str) and MESSAGE_ID.fullmatch(value) else None


@dataclass
class Answer:
    """A turn's answer; `replayed` when another request for the same message ran the turn, and
    `pending` when that turn was still running after WAIT_SECONDS (its answer goes out there)."""

    messages: Messages
    replayed: bool = False
    pending: bool = False


class ClientMessages:
    """The turns of one channel by sender and client message id."""

    def __init__(self, channel: str, store: ChannelStore | None = None, size: int = 100_000) -> None:
        self._claims = (store or InProcessStore()).space(f"{channel}:message", KEEP_SECONDS, size)

    async def answer_once(
        self,
        sender: str,
        message_id: str | None,
        run: Callable[[], Awaitable[Messages]],
        wait_seconds: float = WAIT_SECONDS,
    ) -> Answer:
        """`run()`'s answer, unless another request for the same message ran or runs the turn.

        If `run()` raises, the claim is let go (a resend runs the turn again) and the error
        passes on."""
        if message_id is None:
            return Answer(await run())
        key = f"{sender}:{message_id}"
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                if await self._claims.claim(key, {"at": time.time()}) or await self._take_over(key):
                    return Answer(await self._run(key, run))
                held: dict[str, Any] | None = await self._claims.get(key)
            except StoreUnavailable as error:
                log.warning("message %s of %s not deduplicated: %s", message_id, mask_identifier(sender), error)
                return Answer(await run())
            if held is not None and "messages" in held:
                return Answer(held["messages"], replayed=True)
            if time.monotonic() >= deadline:
                return Answer([], replayed=True, pending=True)
            await asyncio.sleep(POLL_SECONDS)

    async def _take_over(self, key: str) -> bool:
        """Claims a turn whose worker died; of several resends, one wins."""
        held: dict[str, Any] | None = await self._claims.get(key)
        if not held or "messages" in held or time.time() - held.get("at", 0) <= ORPHANED_SECONDS:
            return False
        if not await self._claims.claim(f"{key}:taken-over:{held['at']}", {}):
            return False
        log.info("a turn whose worker stopped answering is taken over")
        await self._claims.put(key, {"at": time.time()})
        return True

    async def _run(self, key: str, run: Callable[[], Awaitable[Messages]]) -> Messages:
        heartbeat = asyncio.ensure_future(self._beat(key))
        try:
            messages = await run()
        except BaseException:
            await _stop(heartbeat)
            with contextlib.suppress(StoreUnavailable):
                await self._claims.delete(key)
            raise
        await _stop(heartbeat)
        try:
            await self._claims.put(key, {"messages": messages})
        except StoreUnavailable as error:
            log.warning("the answer to a message was not kept for its resends: %s", error)
        return messages

    async def _beat(self, key: str) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            with contextlib.suppress(StoreUnavailable):
                await self._claims.put(key, {"at": time.time()})


async def _stop(task: asyncio.Future[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
