"""Only our Rasa server may run actions: it sends the shared secret with every call.

rasa-sdk has no authentication of its own; it offers a plugin hook (`rasa_sdk_plugins`, see
that package) through which this request middleware is attached to its Sanic app. `/health`
stays open for the process manager's checks; it reveals nothing.
"""

from __future__ import annotations

import hmac
import logging

from sanic import Request, Sanic
from sanic.response import HTTPResponse, json

from bot.ops.processes import SECRET_HEADER
from bot.settings import secret

OPEN_PATHS = frozenset({"/health", "/ready"})
log = logging.getLogger(__name__)


def attach(app: Sanic) -> None:
    expected = secret("action_secret").encode()

    @app.on_request
    async def require_secret(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = (request.headers.get(SECRET_HEADER) or "").encode()
        if hmac.compare_digest(given, expected):
            return None
        log.warning("refused an action call without the shared secret from %s", request.ip)
        return json({"error": "unauthorized"}, status=401)
