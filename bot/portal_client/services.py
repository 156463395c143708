"""What the portal flows need from outside (a client, the identity store), so actions stay thin
and tests can swap the portal for a fake transport and the database for a temporary file."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from bot.dialogue import Turn
from bot.identity.store import BoundIdentity, IdentityStore
from bot.notices.store import NoticeStore
from bot.portal_client.client import PortalClient, connect
from bot.portal_client.errors import AuthRequired, PortalError, PortalUnavailable
from bot.privacy import mask_identifier
from bot.settings import settings

log = logging.getLogger(__name__)

Answers = Mapping[type[PortalError] | tuple[type[PortalError], ...], Callable[[PortalError], Turn]]
"""Error class (or classes) → the turn the citizen gets; tried in order, so most specific first."""


@dataclass(frozen=True)
class PortalServices:
    connect: Callable[[], PortalClient]
    store: IdentityStore

    async def identity(self, sender_id: str) -> BoundIdentity | None:
        return await asyncio.to_thread(self.store.current, sender_id)

    async def forget(self, sender_id: str) -> None:
        await asyncio.to_thread(self.store.forget, sender_id)

    async def end(self, sender_id: str, identity: BoundIdentity) -> None:
        """Logs out: the token is revoked at the portal (best effort: it expires anyway) and
        forgotten, and the user is told nothing more of the subject's cases."""
        try:
            async with self.connect() as client:
                await client.logout(identity.token)
        except PortalError as error:
            log.warning("token of %s not revoked at the portal: %s", mask_identifier(sender_id), error)
        await self.forget(sender_id)
        await asyncio.to_thread(NoticeStore(self.store.db_url).forget_recipient, sender_id)

    @staticmethod
    def fresh_enough_to_act(identity: BoundIdentity) -> bool:
        """Acts on a case (submitting, 催办) need an identity verified in the last
        BANSHI_FRESH_LOGIN_MINUTES: an unattended phone or a shared kiosk cannot be used to act
        in someone's name days after they verified; reading a status needs only a live binding."""
        age = datetime.now(timezone.utc) - identity.bound_at
        return age <= timedelta(minutes=settings.fresh_login_minutes)

    async def attempt(self, work: Awaitable[Turn], answers: Answers, sender_id: str, doing: str) -> Turn:
        """Runs one step that talks to the portal and turns a failure into the citizen's answer.

        The ladder every flow climbs, in one place: a token the portal no longer accepts is
        forgotten (the answer then asks for a new binding), an unreachable portal is logged with
        the user masked, and the first class in `answers` that matches gives the reply. An error
        no answer matches propagates, as a bug should.
        """
        try:
            return await work
        except PortalError as error:
            if isinstance(error, AuthRequired):
                await self.forget(sender_id)
            if isinstance(error, PortalUnavailable):
                log.warning("%s for %s failed: portal unavailable", doing, mask_identifier(sender_id))
            for kinds, answer in answers.items():
                if isinstance(error, kinds):
                    return answer(error)
            raise


_services: PortalServices | None = None


def services() -> PortalServices:
    """The configured portal and the services database (tests replace this function)."""
    global _services
    if _services is None:
        _services = PortalServices(connect=connect, store=IdentityStore())
    return _services
