"""Which portal identity a chat user has verified, so a returning user is not asked again.

Kept by the action side in the services database, keyed by the Rasa sender id (a web session
the console issued, a WeChat openid …). A row holds the portal's bearer token, sealed (bot/sealing.py;
key BANSHI_TOKEN_KEY, else data/secrets/token_key), its expiry
and the name masked (张*) for greetings; never the ID number, the phone or the full name. An
expired row, or one whose token cannot be decrypted (another key), counts as no row and is
removed when next read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import DateTime, String, delete
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, as_utc, session_factory
from bot.notices.store import remember
from bot.portal_client.models import PortalToken
from bot.privacy import mask_name
from bot.sealing import Sealer


class PortalIdentityRow(Base):
    __tablename__ = "portal_identities"

    sender_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    subject_type: Mapped[str] = mapped_column(String(16))
    display_name_masked: Mapped[str] = mapped_column(String(64))
    token: Mapped[str] = mapped_column(String(256))
    token_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    consented_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    bound_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class BoundIdentity:
    sender_id: str
    subject_type: str
    display_name_masked: str
    token: str
    token_expires_at: datetime
    bound_at: datetime


def _now() -> datetime:
    return datetime.now(timezone.utc)


class IdentityStore:
    """Bindings of chat users to portal identities (synchronous; call it off the event loop)."""

    def __init__(self, db_url: str | None = None, key: str | None = None) -> None:
        self.db_url = db_url
        self._sealer = Sealer(key) if key else Sealer.named("token_key")

    def save(self, sender_id: str, channel: str, token: PortalToken, consented_at: datetime) -> BoundIdentity:
        """Stores (or replaces) the binding of `sender_id`. A person's name is kept masked; an
        enterprise's is public registry data and kept whole, so it can be greeted by name."""
        shown = token.display_name if token.subject_type == "enterprise" else mask_name(token.display_name)
        row = PortalIdentityRow(
            sender_id=sender_id,
            channel=channel,
            subject_type=token.subject_type,
            display_name_masked=shown,
            token=self._sealer.seal(token.token),
            token_expires_at=token.expires_at,
            consented_at=consented_at,
            bound_at=_now(),
        )
        with session_factory(self.db_url)() as session, session.begin():
            session.merge(row)
            if token.subject_ref:
                # told of this subject's cases on this channel from now on (bot/notices)
                remember(session, token.subject_ref, sender_id, channel)
        return BoundIdentity(sender_id, token.subject_type, shown, token.token, token.expires_at, row.bound_at)

    def current(self, sender_id: str) -> BoundIdentity | None:
        """The live binding of `sender_id`, or None (an expired one is removed)."""
        with session_factory(self.db_url)() as session, session.begin():
            row = session.get(PortalIdentityRow, sender_id)
            if row is None:
                return None
            token = self._sealer.unseal(row.token)
            if not isinstance(token, str) or as_utc(row.token_expires_at) <= _now():
                session.delete(row)
                return None
            return BoundIdentity(
                row.sender_id,
                row.subject_type,
                row.display_name_masked,
                token,
                as_utc(row.token_expires_at),
                as_utc(row.bound_at),
            )

    def forget(self, sender_id: str) -> bool:
        """Removes the binding (logout, or the portal no longer accepts the token)."""
        with session_factory(self.db_url)() as session, session.begin():
            removed = session.execute(delete(PortalIdentityRow).where(PortalIdentityRow.sender_id == sender_id))
            return removed.rowcount > 0
