"""The JSON answers of the console's APIs (staff app, inbox, notices): never cached, since they
carry a person's data or a session's state, and refusals in one shape — `{"error": <code>,
"message": <Chinese text to show>}` — that the pages show as they are."""

from __future__ import annotations

from sanic import response
from sanic.response import HTTPResponse

NO_STORE = {"Cache-Control": "no-store"}


def private_json(body: dict, status: int = 200, headers: dict[str, str] | None = None) -> HTTPResponse:
    return response.json(body, status=status, headers={**NO_STORE, **(headers or {})})


def refusal(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> HTTPResponse:
    return private_json({"error": code, "message": message}, status, headers)
