"""One phone call an agent is assisting with: who is on it once verified, what was started.

Kept in the console's memory only, on purpose: the caller's portal token from the identity check
on the phone is never written anywhere and goes when the call ends, after CALL_IDLE without a
request, or when the console stops. What the caller needs outlives it at the portal (the draft).
A call's sender id, `assist:<agent>:<random>`, is its own namespace: the portal records its
binding under it, and it can never be a citizen's conversation (those are `web:…`, openids,
mini-program sessions).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from bot.identity.store import BoundIdentity
from bot.settings import settings

SENDER_PREFIX = "assist:"
CALL_IDLE = 60 * 60.0
"""Seconds without a request after which a call is over (the phone call surely is)."""
CALLS_PER_AGENT = 3
"""Open calls an agent may hold (one on the line, one on hold, one being wrapped up)."""
MAX_CHECKS = 3
"""Identity checks (codes texted) per call; after them the caller is asked to come in person."""
MAX_WRONG_CODES = 5
"""Wrong codes per call, across its checks."""
MAX_LINKS = 3
"""Links sent per call: a caller who did not get two has a problem a third will not solve."""


@dataclass(frozen=True)
class Caller:
    """The identity the caller proved on this call; only masked values are ever shown."""

    token: str
    token_expires_at: datetime
    subject_type: str
    subject_ref: str | None
    name_masked: str
    id_masked: str
    verified_at: datetime

    def fresh(self, now: datetime | None = None) -> bool:
        """Acts on a case need a check this recent, as submitting does in the chat."""
        now = now or datetime.now(timezone.utc)
        return now - self.verified_at <= timedelta(minutes=settings.fresh_login_minutes) and self.token_expires_at > now

    def identity(self, sender_id: str) -> BoundIdentity:
        """As the application flow reads a verified user (bot/applications/flow.py)."""
        return BoundIdentity(
            sender_id, self.subject_type, self.name_masked, self.token, self.token_expires_at, self.verified_at
        )

    def as_json(self) -> dict:
        return {
            "name": self.name_masked,
            "id_number": self.id_masked,
            "subject_type": self.subject_type,
            "verified_at": self.verified_at.isoformat(),
        }


@dataclass
class Call:
    id: str
    agent: str
    sender_id: str
    started_at: datetime
    touched: float
    item: str | None = None
    """The 一件事 last recognised or chosen: the context of the caller's next question."""
    binding_id: str | None = None
    claim: str | None = None
    """The masked ID number (or credit code) of the check under way, shown once verified."""
    checks: int = 0
    wrong_codes: int = 0
    caller: Caller | None = None
    draft: str | None = None
    draft_item: str | None = None
    links: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "started_at": self.started_at.isoformat(),
            "item": self.item,
            "caller": self.caller.as_json() if self.caller else None,
            "code_sent": self.binding_id is not None,
            "draft": self.draft,
            "draft_item": self.draft_item,
            "checks_left": MAX_CHECKS - self.checks,
            "links_left": MAX_LINKS - self.links,
        }


class CallBook:
    """The open calls of this console process, each visible to the agent who opened it only."""

    def __init__(
        self, idle: float = CALL_IDLE, per_agent: int = CALLS_PER_AGENT, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._calls: dict[str, Call] = {}
        self._idle = idle
        self._per_agent = per_agent
        self._clock = clock

    def open(self, agent: str) -> tuple[Call, list[Call]]:
        """A new call for `agent`, and the calls that ended to make room or by idling (their
        tokens are to be revoked)."""
        ended = self.sweep()
        mine = sorted((c for c in self._calls.values() if c.agent == agent), key=lambda c: c.touched)
        while len(mine) >= self._per_agent:
            ended.append(self._calls.pop(mine.pop(0).id))
        call_id = secrets.token_urlsafe(12)
        call = Call(
            id=call_id,
            agent=agent,
            sender_id=f"{SENDER_PREFIX}{agent}:{secrets.token_urlsafe(9)}",
            started_at=datetime.now(timezone.utc),
            touched=self._clock(),
        )
        self._calls[call_id] = call
        return call, ended

    def get(self, call_id: str, agent: str) -> Call | None:
        call = self._calls.get(call_id)
        if call is None or call.agent != agent or self._clock() - call.touched > self._idle:
            return None
        call.touched = self._clock()
        return call

    def end(self, call_id: str) -> Call | None:
        return self._calls.pop(call_id, None)

    def sweep(self) -> list[Call]:
        """Removes and returns the calls idle past the limit."""
        now = self._clock()
        gone = [c for c in self._calls.values() if now - c.touched > self._idle]
        for call in gone:
            del self._calls[call.id]
        return gone
