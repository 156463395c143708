"""The fake WeChat API's deterministic identities, importable without its server (the e2e
tests run in the action server's runtime, which has no aiohttp)."""

from __future__ import annotations

import base64
import hashlib


def fake_openid(mp_app_id: str, code: str) -> str:
    """The openid the fake's jscode2session gives a code's user: 28 characters starting with
    "o", stable per AppID and user ("alice.1" and "alice.2" are both alice)."""
    user = code.split(".", 1)[0]
    digest = hashlib.sha256(f"{mp_app_id}|{user}".encode()).digest()
    return "o" + base64.urlsafe_b64encode(digest).decode()[:27]
