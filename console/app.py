"""Sanic app of the console. It serves pages and static assets only: the chat itself goes from
the browser straight to the Rasa server over socket.io."""
from __future__ import annotations

import json
from pathlib import Path

from sanic import Sanic, response
from sanic.request import Request

from bot.settings import settings

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
SOCKET_IO_CLIENT = HERE / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"


def create_app(rasa_url: str | None = None) -> Sanic:
    app = Sanic("banshi_console")
    page_config = {"rasaUrl": rasa_url or settings.rasa_public_url}

    @app.get("/")
    async def index(_request: Request) -> response.HTTPResponse:
        html = (STATIC / "index.html").read_text(encoding="utf-8")
        html = html.replace("__BANSHI_CONFIG__", json.dumps(page_config))
        return response.html(html)

    @app.get("/health")
    async def health(_request: Request) -> response.HTTPResponse:
        return response.json({"status": "ok"})

    @app.get("/vendor/socket.io.min.js")
    async def socket_io(_request: Request) -> response.HTTPResponse:
        return await response.file(SOCKET_IO_CLIENT, mime_type="application/javascript")

    app.static("/static", STATIC, name="static")
    return app
