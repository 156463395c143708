"""The link an agent sends a caller to continue, in the web chat, the draft started on the phone.

What it is: `<site>/chat/continue#<token>`, the token a JWT (HS256, audience `banshi-assist-link`)
holding the item's code, a random id and an expiry (BANSHI_ASSIST_LINK_HOURS) — no name, no
number, no application, nothing that is the caller's. It sits in the fragment, which browsers
never send to a server, so no access log or Referer header ever holds it.

Why it is safe to send: it proves nothing about who opens it. Opening it starts a web chat
already on that item; the caller must still verify themself there (name, ID number, a code sent
to the phone on record) before the application flow looks for the draft, and the portal shows a
draft only to its owner. Anyone else who opens it starts their own application, or nothing.

Single use, without a table of used links: the conversation the link opens has a sender derived
from the link's id with the installation key (`subject_for`), so the link always leads to one
and the same conversation, and that conversation, once begun, is the record that the link was
used — in Rasa's tracker store, across restarts and processes (`opened`).

The key is the web chat's session key (BANSHI_WEB_SESSION_KEY): the console signs both, and the
distinct audience keeps a link from ever passing for a chat session, and the reverse.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import jwt

from bot.catalogue import SERVICE_CODES
from bot.identity.web_session import SUBJECT_PREFIX
from bot.settings import settings

ALGORITHM = "HS256"
AUDIENCE = "banshi-assist-link"
PATH = "/chat/continue"
MAX_TOKEN = 1024


@dataclass(frozen=True)
class Link:
    token: str
    link_id: str
    code: str
    expires_at: datetime


def issue(key: str, code: str, hours: float | None = None, now: datetime | None = None) -> Link:
    """A fresh link for the 一件事 `code`."""
    if code not in SERVICE_CODES:
        raise ValueError(f"not a service item: {code}")
    now = now or datetime.now(timezone.utc)
    expires = (now + timedelta(hours=settings.assist_link_hours if hours is None else hours)).replace(microsecond=0)
    link_id = secrets.token_urlsafe(12)
    claims = {"aud": AUDIENCE, "jti": link_id, "item": code, "iat": now, "exp": expires}
    return Link(jwt.encode(claims, key, algorithm=ALGORITHM), link_id, code, expires)


def read(key: str, token: object) -> Link | None:
    """The link a valid, unexpired token signed with `key` stands for; None for anything else."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
        return None
    try:
        claims = jwt.decode(
            token, key, algorithms=[ALGORITHM], audience=AUDIENCE, options={"require": ["exp", "jti", "item"]}
        )
    except jwt.PyJWTError:
        return None
    code, link_id = claims.get("item"), claims.get("jti")
    if code not in SERVICE_CODES or not isinstance(link_id, str) or not link_id:
        return None
    return Link(token, link_id, code, datetime.fromtimestamp(claims["exp"], timezone.utc))


def url(base: str, link: Link) -> str:
    return f"{base.rstrip('/')}{PATH}#{link.token}"


def subject_for(key: str, link_id: str) -> str:
    """The web chat subject (sender id) the link opens: unguessable without the key, the same
    every time the same link is opened."""
    digest = hmac.new(key.encode(), f"assist-link\x1f{link_id}".encode(), hashlib.sha256).digest()
    return SUBJECT_PREFIX + base64.urlsafe_b64encode(digest[:18]).decode().rstrip("=")


def opened(tracker: dict) -> bool:
    """Whether the link's conversation has begun (it is seeded when the link is opened)."""
    return any(event.get("event") in ("user", "bot") for event in tracker.get("events") or [])


def opening_events(code: str, text: str, button: str) -> list[dict]:
    """The conversation as the link opens it: on the item, with the assistant's first words
    and the one button the caller presses to begin (its payload is plain words: typed or
    pressed, "继续办理" is read by the NLU like any message).

    It begins with its own session start: events appended to a conversation without one get
    their timestamps before the session Rasa starts for them, and its SQL tracker store, which
    reads the current session by timestamp, would then not see the item."""
    return [
        {"event": "action", "name": "action_session_start"},
        {"event": "session_started"},
        {"event": "action", "name": "action_listen"},
        {"event": "slot", "name": "service_item", "value": code},
        {"event": "bot", "text": text, "data": {"buttons": [{"title": button, "payload": button}]}},
    ]
