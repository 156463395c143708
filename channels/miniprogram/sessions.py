"""Session tokens of the mini-program: random, opaque, bound to one openid, with an expiry.

A token is 32 random bytes (URL-safe base64), looked up in a bounded in-process map; only its
SHA-256 is kept, so the map (or a memory dump) never holds a usable token. Nothing about the
user can be read from a token, and WeChat's session_key is never part of it. An expired token
is remembered for one more TTL so the client can be told "expired" rather than "invalid".

Per process: with several Sanic workers a token works only on the worker that issued it, so a
deployment that scales out needs this in Redis (see the README).
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from channels.memory import BoundedMap

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
    """Issues and resolves session tokens; the oldest are forgotten beyond `size`."""

    def __init__(self, ttl_seconds: float, size: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl_seconds
        self._clock = clock
        self._sessions: BoundedMap[Session] = BoundedMap(2 * ttl_seconds, size, clock)

    def issue(self, openid: str) -> tuple[str, int]:
        """A new token for `openid` and its lifetime in seconds."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        self._sessions.put(_digest(token), Session(openid, self._clock() + self.ttl))
        return token, int(self.ttl)

    def resolve(self, token: str | None) -> Session | SessionProblem:
        """The session of a live token, or why there is none."""
        if not token:
            return SessionProblem.MISSING
        if len(token) > _MAX_TOKEN_CHARS:
            return SessionProblem.INVALID
        key = _digest(token)
        session = self._sessions.get(key)
        if session is None:
            return SessionProblem.INVALID
        if self._clock() >= session.expires_at:
            return SessionProblem.EXPIRED
        return session

    def revoke(self, token: str) -> bool:
        return self._sessions.pop(_digest(token)) is not None

    def __len__(self) -> int:
        return len(self._sessions)
