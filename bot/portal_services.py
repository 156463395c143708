"""What the portal flows need from outside (a client, the identity store) and what they give
back (a `Turn`: replies to say, slots to set), so actions stay thin and tests can swap the
portal for a fake transport and the database for a temporary file."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.messages import Reply
from bot.portal_client import PortalClient, connect
from bot.portal_identity import BoundIdentity, IdentityStore


@dataclass
class Turn:
    """The outcome of one step of a flow: what to say, in order, and which slots to set."""

    replies: list[Reply] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)

    def say(self, *replies: Reply) -> "Turn":
        self.replies.extend(replies)
        return self

    def then(self, other: "Turn") -> "Turn":
        """This turn followed by `other` (its slots win)."""
        self.replies.extend(other.replies)
        self.slots.update(other.slots)
        return self


@dataclass(frozen=True)
class PortalServices:
    connect: Callable[[], PortalClient]
    store: IdentityStore

    async def identity(self, sender_id: str) -> BoundIdentity | None:
        return await asyncio.to_thread(self.store.current, sender_id)

    async def forget(self, sender_id: str) -> None:
        await asyncio.to_thread(self.store.forget, sender_id)


_services: PortalServices | None = None


def services() -> PortalServices:
    """The configured portal and the services database (tests replace this function)."""
    global _services
    if _services is None:
        _services = PortalServices(connect=connect, store=IdentityStore())
    return _services
