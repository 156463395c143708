"""Reading a request body defensively, shared by the channels' streamed routes.

Rasa's Sanic app accepts bodies up to 100 MB; a channel route declared with `stream=True`
reads its own body through `read_body`, which gives up as soon as the body is known to exceed
the channel's limit (a declared Content-Length first, then the bytes actually received).
"""

from __future__ import annotations

from sanic.request import Request


def is_ascii_number(value: str) -> bool:
    # str.isdigit() accepts "１２３" and int() parses it: neither belongs in a header or a query.
    return value.isascii() and value.isdigit()


async def read_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it is known to exceed `limit` bytes."""
    declared = (request.headers.get("content-length") or "").strip()
    if declared and (not is_ascii_number(declared) or int(declared) > limit):
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.stream.read()
        if chunk is None:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
