"""The JSON answers of the console's APIs (staff app, inbox, notices): never cached, since they
carry a person's data or a session's state, and refusals in one shape — `{"error": <code>,
"message": <Chinese text to show>}` — that the pages show as they are."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from sanic import Request, response
from sanic.response import HTTPResponse

NO_STORE = {"Cache-Control": "no-store"}


def private_json(body: dict, status: int = 200, headers: dict[str, str] | None = None) -> HTTPResponse:
    return response.json(body, status=status, headers={**NO_STORE, **(headers or {})})


def refusal(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> HTTPResponse:
    return private_json({"error": code, "message": message}, status, headers)


def json_fields(request: Request) -> dict:
    """The request's JSON object, or {} for no body, a broken one or one that is not an object."""
    try:
        body = request.json
    except Exception:  # sanic raises on malformed JSON; the handler answers 422 on what is missing
        return {}
    return body if isinstance(body, dict) else {}


def text_field(request: Request, name: str, limit: int) -> str | None:
    """A required text of at most `limit` characters, stripped; None if missing or too long."""
    value = str(json_fields(request).get(name) or "").strip()
    return value if 0 < len(value) <= limit else None


def loaded_by(
    get: Callable[[int], Any], missing: str, wanted: Callable[[Any], bool] = lambda _row: True
) -> Callable[[Callable[..., Awaitable[HTTPResponse]]], Callable[..., Awaitable[HTTPResponse]]]:
    """Decorates a staff route `(request, session, row)` whose path ends in an id: the row is
    read with `get` (off the event loop); none, or one not `wanted`, is a 404 saying `missing`."""

    def decorate(handler: Callable[..., Awaitable[HTTPResponse]]) -> Callable[..., Awaitable[HTTPResponse]]:
        @wraps(handler)
        async def loaded(request: Request, session: Any, row_id: int) -> HTTPResponse:
            row = await asyncio.to_thread(get, row_id)
            if row is None or not wanted(row):
                return refusal(404, "not_found", missing)
            return await handler(request, session, row)

        return loaded

    return decorate
