"""Session tokens of the mini-program: random, opaque, bound to one openid, with an expiry.

A token is 32 random bytes (URL-safe base64), looked up in the channel store
(channels/state_store.py: this process's memory, or Redis with BANSHI_REDIS_URL, so a token one
Rasa worker issued is valid on every other); only its SHA-256 is kept (Redis key
`banshi:miniprogram:session:<sha256>`), so the store (or a memory dump) never holds a usable
token. Nothing about the user can be read from a token, and WeChat's session_key is never part
of it. An expired token is remembered for one more TTL so the client can be told "expired"
rather than "invalid". Expiry is wall-clock time, which every worker reads alike.

If the store does not answer, `issue` and `resolve` raise StoreUnavailable: a token that cannot
be checked admits nobody.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from channels.state_store import ChannelStore, InProcessStore

TOKEN_BYTES = 32
_MAX_TOKEN_CHARS = 128  # anything longer is not ours; don't even hash it


class SessionProblem(enum.Enum):
    MISSING = "missing_token"
    INVALID = "invalid_token"
    EXPIRED = "token_expired"


@dataclass(frozen=True)
class Session:
    openid: str
    expires_at: float


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class SessionStore:
    """Issues and resolves session tokens; in process, the oldest are forgotten beyond `size`."""

    def __init__(
        self,
        ttl_seconds: float,
        size: int,
        clock: Callable[[], float] = time.time,
        store: ChannelStore | None = None,
    ) -> None:
        self.ttl = ttl_seconds
        self._clock = clock
        self._sessions = (store or InProcessStore(clock)).space("miniprogram:session", 2 * ttl_seconds, size)

    async def issue(self, openid: str) -> tuple[str, int]:
        """A new token for `openid` and its lifetime in seconds."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        await self._sessions.put(_digest(token), {"openid": openid, "expires_at": self._clock() + self.ttl})
        return token, int(self.ttl)

    async def resolve(self, token: str | None) -> Session | SessionProblem:
        """The session of a live token, or why there is none."""
        if not token:
            return SessionProblem.MISSING
        if len(token) > _MAX_TOKEN_CHARS:
            return SessionProblem.INVALID
        kept = await self._sessions.get(_digest(token))
        if kept is None:
            return SessionProblem.INVALID
        session = Session(kept["openid"], kept["expires_at"])
        if self._clock() >= session.expires_at:
            return SessionProblem.EXPIRED
        return session

    async def revoke(self, token: str) -> bool:
        return await self._sessions.delete(_digest(token))
