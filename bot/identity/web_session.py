"""Web chat sessions the server issues: a signed, expiring token whose subject is the sender id.

Why: the socket.io channel took the sender id from the browser, so anyone could speak as another
browser's session, or as a WeChat openid, and read that citizen's applications. Now the console
issues a token for a fresh random subject (`web:<random>`) and Rasa's socket.io channel
(channels/web) takes the sender id from the verified token alone: nobody can choose whose
conversation they are in. No renewal: an expired session starts a new conversation, which is
also what a kiosk or a family phone needs.

The signing key is per installation (BANSHI_WEB_SESSION_KEY, else data/secrets/web_session_key),
shared by the console that signs and the Rasa server that verifies. PyJWT because Rasa itself
uses it for its own tokens.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jwt

from bot.settings import secret, settings

SUBJECT_PREFIX = "web:"
ALGORITHM = "HS256"
AUDIENCE = "banshi-web-chat"


@dataclass(frozen=True)
class WebSession:
    token: str
    subject: str
    expires_at: datetime


def session_key(root: Path | None = None) -> str:
    return secret("web_session_key", root)


def issue(key: str, lifetime: timedelta | None = None, subject: str | None = None) -> WebSession:
    """A new session for a new, unguessable subject. `subject`: one the caller derived from a
    secret itself (agent assist's continue link: bot/assist/links.py), never one a client named."""
    now = datetime.now(timezone.utc)
    expires = now + (lifetime or timedelta(hours=settings.web_session_hours))
    subject = subject or SUBJECT_PREFIX + secrets.token_urlsafe(18)
    claims = {"sub": subject, "aud": AUDIENCE, "iat": now, "exp": expires}
    return WebSession(jwt.encode(claims, key, algorithm=ALGORITHM), subject, expires)


def verify(key: str, token: object) -> str | None:
    """The subject of a valid, unexpired token signed with `key`; None for anything else."""
    if not isinstance(token, str) or not token or len(token) > 2048:
        return None
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], audience=AUDIENCE, options={"require": ["exp", "sub"]})
    except jwt.PyJWTError:
        return None
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.startswith(SUBJECT_PREFIX):
        return None
    return subject
