"""HMAC signatures of the calls between the portal and the assistant's notifier: the portal's
webhook of case changes, and the notifier's poll of the portal's notice feed.

Both ends share one secret (BANSHI_NOTICE_SECRET, else data/secrets/notice_secret). A signature
covers a timestamp and the exact bytes sent (the body of a POST, "GET <path?query>" of a poll),
so a captured request cannot be altered, and it is refused five minutes after it was made, so
it cannot be replayed later. The scheme is Stripe's and GitHub's: `sha256=<hex>` of
"<timestamp>.<message>".
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

SIGNATURE_HEADER = "X-Banshi-Signature"
TIMESTAMP_HEADER = "X-Banshi-Timestamp"
MAX_AGE_SECONDS = 300


def signature(secret: str, timestamp: str, message: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + message, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signed_headers(secret: str, message: bytes, now: float | None = None) -> dict[str, str]:
    """The two headers that authenticate `message` (a body, or `poll_message(...)`)."""
    timestamp = str(int(time.time() if now is None else now))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(secret, timestamp, message)}


def poll_message(path_and_query: str) -> bytes:
    """What a signed GET covers: its path with the query, exactly as requested."""
    return f"GET {path_and_query}".encode()


def verify(secret: str, headers: Mapping[str, str], message: bytes, now: float | None = None) -> bool:
    """Whether `headers` carry a fresh, valid signature of `message` made with `secret`."""
    timestamp = headers.get(TIMESTAMP_HEADER) or headers.get(TIMESTAMP_HEADER.lower()) or ""
    given = headers.get(SIGNATURE_HEADER) or headers.get(SIGNATURE_HEADER.lower()) or ""
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > MAX_AGE_SECONDS:
        return False
    return hmac.compare_digest(given.encode(), signature(secret, timestamp, message).encode())


def subject_ref(secret: str, subject_type: str, subject_id: int) -> str:
    """An opaque, stable name of a portal subject for routing its notices: the assistant learns
    it at binding and never learns the subject's register id from it."""
    return hmac.new(secret.encode(), f"subject:{subject_type}:{subject_id}".encode(), hashlib.sha256).hexdigest()[:32]
